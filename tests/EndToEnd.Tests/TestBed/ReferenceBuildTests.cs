using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class ReferenceBuildTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(120));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [OptInFact("KANIKO_TEST_BUILDAH")]
    public async Task Buildah_builds_from_busybox_and_the_docker_config_authenticates_skopeo()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);
        var busybox = await BaseImages.PushBusyboxAsync(registry, "busybox", "1", ImageFormat.Oci, Ct);
        using var context = BuildContext.Create($"FROM {busybox}\nRUN echo built > /built.txt\nCOPY app/a.txt /a.txt\n")
            .WithFile("app/a.txt", "a\n");
        using var buildah = Buildah.Create();
        using var dockerConfig = TempDirectory.Create("docker-config");

        await buildah.BuildAndPushAsync(context.Path, registry.Reference("out", "ref"), registry.Credentials, Ct);
        var authFile = await DockerConfig.WriteAsync(dockerConfig.Path, [registry], Ct);
        var inspect = await ProcessRunner.RunAsync(
            "skopeo",
            ["inspect", "--tls-verify=false", "--authfile", authFile, "docker://" + registry.Reference("out", "ref")],
            Ct);
        var image = await ImageValidator.ValidateAsync(registry.Reference("out", "ref"), registry.Credentials, Ct);

        Assert.Contains("\"Layers\"", inspect.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(3, image.Layers.Count);
        Assert.NotNull(image.Layers[1].Find("built.txt"));
        Assert.NotNull(image.Layers[2].Find("a.txt"));
    }
}
