using Kaniko.Executor.Cli;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

public sealed class RegistryMirrorsTests
{
    [Fact]
    public void Docker_hub_mirrors_come_after_mapped_ones_and_before_the_registry_itself()
    {
        var mirrors = RegistryMirrors.Parse(["mirror.gcr.io", "https://hub.example.com:5000/dockerhub/"], ["index.docker.io=first.example.com;ghcr.io=cache.example.com/ghcr", ""], skipDefaultFallback: false);

        var candidates = mirrors.Candidates(ImageReference.Parse("busybox:1.36"));

        Assert.Equal(
            ["first.example.com/library/busybox:1.36", "mirror.gcr.io/library/busybox:1.36", "hub.example.com:5000/dockerhub/library/busybox:1.36", "docker.io/library/busybox:1.36"],
            candidates.Select(c => c.ToString()));
        var ghcr = mirrors.Candidates(ImageReference.Parse("ghcr.io/org/tool@sha256:" + new string('a', 64)));
        Assert.Equal($"cache.example.com/ghcr/org/tool@sha256:{new string('a', 64)}", ghcr[0].ToString());
        Assert.Equal(["quay.io/x/y:1"], mirrors.Candidates(ImageReference.Parse("quay.io/x/y:1")).Select(c => c.ToString()));
    }

    [Fact]
    public void Skipping_the_fallback_leaves_only_the_mirrors_and_only_where_there_are_mirrors()
    {
        var mirrors = RegistryMirrors.Parse(["mirror.gcr.io"], [], skipDefaultFallback: true);

        Assert.Equal(["mirror.gcr.io/library/alpine:latest"], mirrors.Candidates(ImageReference.Parse("alpine")).Select(c => c.ToString()));
        Assert.Equal(["quay.io/x/y:1"], mirrors.Candidates(ImageReference.Parse("quay.io/x/y:1")).Select(c => c.ToString()));
    }

    [Theory]
    [InlineData("--registry-mirror", "not a mirror")]
    [InlineData("--registry-map", "expected ORIGINAL=MIRROR")]
    public void Malformed_values_name_the_flag(string flag, string mentions)
    {
        var e = Assert.Throws<UsageException>(() => flag == "--registry-mirror"
            ? RegistryMirrors.Parse(["UPPER CASE/x"], [], false)
            : RegistryMirrors.Parse([], ["docker.io"], false));
        Assert.Contains(flag, e.Message, StringComparison.Ordinal);
        Assert.Contains(mentions, e.Message, StringComparison.Ordinal);
    }
}
