using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

/// <summary>Cases found by the bad-input pass, each kept as a regression test of the whole executor.</summary>
public sealed class BadInputTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task Add_unpacks_a_local_archive_and_copy_recreates_a_fifo_instead_of_hanging()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("bad-input");
        var context = work.CreateSubdirectory("context");
        await WriteTarGzAsync(Path.Combine(context, "bundle.tgz"), ("bundle/readme.txt", "from the archive\n"));
        await ProcessRunner.RunAsync("mkfifo", [Path.Combine(context, "pipe")], ProcessOptions.Default, _none);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {baseImage}
            ADD bundle.tgz /opt/
            COPY pipe /run/pipe
            RUN test -p /run/pipe && test "$(cat /opt/bundle/readme.txt)" = "from the archive"
            """);
        var destination = registry.Reference("bad/input", "1");

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}");
        var image = await ImageValidator.ValidateAsync(destination, null, _none);
        Assert.Contains(image.Layers, l => l.Find("opt/bundle/readme.txt") is not null);
        Assert.Contains(image.Layers, l => l.Find("run/pipe")?.Type == TarEntryType.Fifo);
    }

    [Fact]
    public async Task A_fifo_given_as_dockerfile_is_refused_instead_of_waiting_for_a_writer()
    {
        using var work = TempDirectory.Create("bad-dockerfile");
        var context = work.CreateSubdirectory("context");
        var pipe = Path.Combine(context, "Dockerfile");
        await ProcessRunner.RunAsync("mkfifo", [pipe], ProcessOptions.Default, _none);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--no-push", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")], timeout.Token);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("is a fifo, not a file", build.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_name_the_line_and_never_echo_a_proxy_password()
    {
        using var work = TempDirectory.Create("bad-lines");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), "FROM scratch\nENV A=1\nENV B=${UNSET:?must be set}\n");

        var expansion = await Programs.RunExecutorAsync(
            ["--context", context, "--no-push", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")], _none);
        var proxy = await Programs.RunExecutorAsync(
            ["--context", context, "--no-push", "--root", work.Combine("root2"), "--registry-proxy", "http://alice:TopSecret42@127.0.0.1:1"], _none);

        Assert.NotEqual(0, expansion.ExitCode);
        Assert.Contains("Dockerfile:3", expansion.StandardError, StringComparison.Ordinal);
        Assert.Contains("must be set", expansion.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, proxy.ExitCode);
        Assert.Contains("--registry-proxy", proxy.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("TopSecret42", proxy.StandardOutput + proxy.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_a_run_step_that_ignores_it_and_leaves_no_process_behind()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("sigterm");
        var context = work.CreateSubdirectory("context");
        var marker = "kaniko-sigterm-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {baseImage}
            RUN trap '' TERM; while true; do echo {marker} > /dev/null; sleep 1; done
            """);

        var executor = BackgroundProcess.Start(
            "dotnet",
            [Programs.Dll("executor"), "--context", context, "--no-push", "--insecure", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            ProcessOptions.Default);
        await using (executor)
        {
            var deadline = Stopwatch.StartNew();
            while (!StepIsRunning(marker) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }

            Assert.True(StepIsRunning(marker), $"the RUN step did not start:\n{executor.Output}");
            await ProcessRunner.RunAsync("kill", ["-TERM", executor.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], ProcessOptions.Default, _none);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await executor.WaitForExitAsync(timeout.Token);

            Assert.Equal(143, executor.ExitCode);
            await Task.Delay(500);
            Assert.False(StepIsRunning(marker), "the RUN step survived the executor");
        }
    }

    private static bool StepIsRunning(string marker) =>
        Directory.EnumerateDirectories("/proc").Any(d =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });

    private static async Task WriteTarGzAsync(string path, params (string Name, string Content)[] files)
    {
        await using var file = File.Create(path);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, content) in files)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
                Mode = (UnixFileMode)0b110_100_100,
            };
            await tar.WriteEntryAsync(entry);
        }
    }
}
