using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

public sealed class SnapshotOptionsTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task Single_snapshot_adds_one_layer_holding_every_change_of_the_stage()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("single-snapshot");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "note.txt"), "copied\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {baseImage}
            COPY note.txt /data/note.txt
            RUN echo one > /data/one
            RUN echo two > /data/two && rm /bin/su
            """);
        var destination = registry.Reference("single/snapshot", "1");

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", "--single-snapshot", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}");
        var baseValidated = await ImageValidator.ValidateAsync(baseImage, null, _none);
        var image = await ImageValidator.ValidateAsync(destination, null, _none);
        Assert.Equal(baseValidated.Layers.Count + 1, image.Layers.Count);
        var added = image.Layers[^1];
        Assert.NotNull(added.Find("data/note.txt"));
        Assert.NotNull(added.Find("data/one"));
        Assert.NotNull(added.Find("data/two"));
        Assert.NotNull(added.Find("bin/.wh.su"));
    }
}
