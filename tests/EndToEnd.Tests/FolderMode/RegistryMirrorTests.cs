using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

/// <summary>--registry-mirror, --registry-map and --skip-default-registry-fallback with two local registries.</summary>
public sealed class RegistryMirrorTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task Base_images_come_from_the_mirror_fall_back_to_the_origin_or_fail_when_asked()
    {
        await using var origin = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        await using var mirror = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        await BaseImages.PushBusyboxAsync(mirror, "hub/library/busybox", "latest", ImageFormat.Oci, _none);
        await BaseImages.PushBusyboxAsync(origin, "only/origin", "1", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("mirrors");

        // Docker Hub through a mirror with a path prefix, never the real Docker Hub (no network here).
        var hub = await BuildAsync(work, "hub", "FROM busybox\nRUN echo ok > /ok\n", ["--registry-mirror", $"{mirror.Host}/hub", "--skip-default-registry-fallback"]);
        Assert.True(hub.ExitCode == 0, hub.StandardError);
        Assert.Contains($"from the mirror {mirror.Host}/hub/library/busybox:latest", hub.StandardError, StringComparison.Ordinal);

        // --registry-map for another registry: the origin lacks the image, the mirror has it.
        var mapped = await BuildAsync(work, "mapped", $"FROM {origin.Host}/library/busybox\n", ["--registry-map", $"{origin.Host}={mirror.Host}/hub"]);
        Assert.True(mapped.ExitCode == 0, mapped.StandardError);

        // The mirror lacks the image: a warning, then the origin serves it.
        var fallback = await BuildAsync(work, "fallback", $"FROM {origin.Host}/only/origin:1\n", ["--registry-map", $"{origin.Host}={mirror.Host}/hub"]);
        Assert.True(fallback.ExitCode == 0, fallback.StandardError);
        Assert.Contains($"Mirror {mirror.Host}/hub/only/origin:1 could not serve", fallback.StandardError, StringComparison.Ordinal);

        // ... unless the fallback is switched off.
        var refused = await BuildAsync(work, "refused", $"FROM {origin.Host}/only/origin:1\n", ["--registry-map", $"{origin.Host}={mirror.Host}/hub", "--skip-default-registry-fallback"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Dockerfile:1", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("--skip-default-registry-fallback", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains(mirror.Host, refused.StandardError, StringComparison.Ordinal);
    }

    private static async Task<ProcessResult> BuildAsync(TempDirectory work, string name, string dockerfile, string[] flags)
    {
        var context = work.CreateSubdirectory(name);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), dockerfile);
        return await Programs.RunExecutorAsync(
            ["--context", context, "--no-push", "--insecure", .. flags, "--root", work.Combine(name + "-root"), "--kaniko-dir", work.Combine(name + "-kaniko")],
            _none);
    }
}
