using System.Text;
using Kaniko.Executor.Build;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Build;

public sealed class PushCapabilityClientTests
{
    [Fact]
    public void The_claim_declares_every_destination_repository_once_with_its_registry()
    {
        var body = PushCapabilityClient.DeclarationBody(
        [
            ImageReference.Parse("registry.example.com:5000/team/app:1"),
            ImageReference.Parse("registry.example.com:5000/team/app:latest"),
            ImageReference.Parse("busybox"),
        ]);
        Assert.Equal("""{"push":["registry.example.com:5000/team/app","docker.io/library/busybox"]}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void No_destinations_declare_an_empty_list() =>
        Assert.Equal("""{"push":[]}""", Encoding.UTF8.GetString(PushCapabilityClient.DeclarationBody([])));
}
