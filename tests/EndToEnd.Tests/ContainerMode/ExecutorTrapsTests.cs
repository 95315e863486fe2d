using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.ContainerMode;

/// <summary>
/// kaniko's two traps, tested where they happen: the executor as PID 1 of its own container.
/// 1. Files of the executor's image neither leak into nor hide from the built image.
/// 2. The executor's folder stays out of snapshots, yet content written there is never dropped silently.
/// </summary>
public sealed class ExecutorTrapsTests
{
    private static readonly CancellationToken _none = CancellationToken.None;
    private static readonly Dictionary<string, string> _noEnvironment = [];

    [Fact]
    public async Task Files_of_the_executor_image_neither_leak_nor_hide()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("trap1");
        var imageRoot = await ExecutorContainer.CreateImageRootAsync(
            work,
            new Dictionary<string, string> { ["/usr/local/bin/tool"] = "tool v1\n", ["/etc/leak-marker"] = "from the executor image\n" },
            _none);
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {baseImage}
            RUN test ! -e /etc/leak-marker && test ! -e /usr/local/bin/tool
            RUN mkdir -p /usr/local/bin && printf 'tool v1\n' > /usr/local/bin/tool && chmod 0755 /usr/local/bin/tool
            """);
        var destination = registry.Reference("trap/one", "1");

        var build = await ExecutorContainer.RunAsync(imageRoot, context, ["--destination", destination, "--insecure"], _noEnvironment, _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}");
        var unpacked = await Umoci.UnpackAsync(destination, null, work.CreateSubdirectory("umoci"), _none);
        Assert.Equal("tool v1\n", File.ReadAllText(Path.Combine(unpacked.RootfsDirectory, "usr/local/bin/tool")));
        Assert.False(File.Exists(Path.Combine(unpacked.RootfsDirectory, "etc/leak-marker")), "a file of the executor image leaked into the built image");
        Assert.False(Directory.Exists(Path.Combine(unpacked.RootfsDirectory, "kaniko")), "the executor's folder leaked into the built image");
        Assert.False(Directory.Exists(Path.Combine(unpacked.RootfsDirectory, "workspace")), "the context mount leaked into the built image");
    }

    private const string WritesIntoKanikoFolder = """
        FROM {0} AS tools
        RUN mkdir -p /opt/tools && echo payload > /opt/tools/data
        FROM {0}
        COPY --from=tools /opt/tools/ /kaniko/
        """;

    [Fact]
    public async Task Copy_into_the_executor_folder_fails_loudly_and_names_the_way_out()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("trap2");
        var imageRoot = await ExecutorContainer.CreateImageRootAsync(work, new Dictionary<string, string>(), _none);
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), string.Format(System.Globalization.CultureInfo.InvariantCulture, WritesIntoKanikoFolder, baseImage));

        var build = await ExecutorContainer.RunAsync(imageRoot, context, ["--destination", registry.Reference("trap/two", "1"), "--insecure"], _noEnvironment, _none);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("Dockerfile:4", build.StandardError, StringComparison.Ordinal);
        Assert.Contains("KANIKO_DIR", build.StandardError, StringComparison.Ordinal);
        var tags = await Skopeo.TryInspectAsync(registry.Reference("trap/two", "1"), null, _none);
        Assert.NotEqual(0, tags.ExitCode);
    }

    [Fact]
    public async Task With_the_executor_folder_relocated_content_copied_to_kaniko_reaches_the_image()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("trap2b");
        var imageRoot = await ExecutorContainer.CreateImageRootAsync(work, new Dictionary<string, string>(), _none);
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), string.Format(System.Globalization.CultureInfo.InvariantCulture, WritesIntoKanikoFolder, baseImage));
        var destination = registry.Reference("trap/relocated", "1");

        var build = await ExecutorContainer.RunAsync(
            imageRoot, context, ["--destination", destination, "--insecure"],
            new Dictionary<string, string> { ["KANIKO_DIR"] = "/executor-work" }, _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}");
        var unpacked = await Umoci.UnpackAsync(destination, null, work.CreateSubdirectory("umoci"), _none);
        Assert.Equal("payload\n", File.ReadAllText(Path.Combine(unpacked.RootfsDirectory, "kaniko/data")));
        Assert.False(Directory.Exists(Path.Combine(unpacked.RootfsDirectory, "executor-work")), "the relocated executor folder leaked into the image");
    }
}
