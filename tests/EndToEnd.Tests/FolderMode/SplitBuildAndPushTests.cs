using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

/// <summary>Build with --no-push into files, push later with `executor push` (SECURITY.md: closes the push window).</summary>
public sealed class SplitBuildAndPushTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task An_image_saved_as_layout_or_tarball_is_pushed_later_unchanged()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("split-push");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nRUN echo built > /built\n");

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--no-push", "--insecure", "--digest-file", work.Combine("digest"),
                "--oci-layout-path", work.Combine("layout"), "--tar-path", work.Combine("image.tar"),
                "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);
        Assert.True(build.ExitCode == 0, $"build failed:\n{build.StandardError}");
        var digest = File.ReadAllText(work.Combine("digest"));
        using var layoutManifest = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(work.Combine("layout"), "blobs", "sha256", digest["sha256:".Length..])));
        var configDigest = layoutManifest.RootElement.GetProperty("config").GetProperty("digest").GetString();

        foreach (var (source, repository) in new[] { (work.Combine("layout"), "split/layout"), (work.Combine("image.tar"), "split/tarball") })
        {
            var destination = registry.Reference(repository, "1");
            var push = await Programs.RunExecutorAsync(["push", source, "--destination", destination, "--insecure"], _none);

            Assert.True(push.ExitCode == 0, $"push of {source} failed:\n{push.StandardError}");
            using var manifest = await Skopeo.InspectRawAsync(destination, null, _none);
            Assert.Equal(configDigest, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
            if (repository == "split/layout")
            {
                // A layout keeps the manifest bytes; a docker-save tarball keeps config and layers, and the manifest is written anew.
                using var inspect = await Skopeo.InspectAsync(destination, null, _none);
                Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
            }
        }
    }
}
