using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class SandboxTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Command_runs_as_pid_1_with_binds_and_may_wipe_the_root_without_touching_the_lower_dir()
    {
        var rootfs = await BaseImages.BusyboxRootfsAsync(Ct);
        using var scratch = TempDirectory.Create("sandbox");
        using var host = TempDirectory.Create("sandbox-bind");
        await File.WriteAllTextAsync(host.Combine("input.txt"), "from the host\n", Ct);

        var result = await Sandbox.RunAsync(
            new SandboxOptions
            {
                Rootfs = rootfs,
                ScratchDirectory = scratch.Path,
                Binds = [new SandboxBind(host.Path, "/workspace", ReadOnly: true)],
                Environment = new Dictionary<string, string> { ["GREETING"] = "hi" },
                WorkingDirectory = "/workspace",
                Command = ["/bin/sh", "-c", "echo $$ $GREETING $(pwd); cat input.txt; grep -c ' /etc/hosts ' /proc/self/mountinfo; rm -rf /usr; test ! -e /usr/bin"],
            },
            Ct);

        Assert.Equal("1 hi /workspace\nfrom the host\n1\n", result.StandardOutput);
        Assert.True(Directory.Exists(Path.Combine(rootfs, "usr", "bin")));
        Assert.True(File.Exists(Path.Combine(scratch.Path, "upper", "usr")));
    }

    [Fact]
    public async Task Rootless_sandbox_maps_root_to_an_unprivileged_id_where_mknod_fails()
    {
        var rootfs = await BaseImages.BusyboxRootfsAsync(Ct);

        var result = await Sandbox.RunAsync(
            new SandboxOptions
            {
                Rootfs = rootfs,
                Rootless = true,
                Command = ["/bin/sh", "-c", "id -u; cat /proc/self/uid_map; mknod /tmp/null c 1 3 || echo mknod refused"],
            },
            Ct);

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("0", lines[0]);
        Assert.Equal(["0", "65534", "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("mknod refused", lines[2]);
    }

    [OptInFact("KANIKO_TEST_PUBLISH")]
    public async Task Static_executor_runs_as_pid_1_in_busybox()
    {
        var executor = await TestBed.PublishStaticAsync("src/Executor/Executor.csproj", Ct);
        var rootfs = await BaseImages.BusyboxRootfsAsync(Ct);

        var result = await Sandbox.RunAsync(
            new SandboxOptions
            {
                Rootfs = rootfs,
                Binds = [new SandboxBind(executor, "/kaniko/executor", ReadOnly: true)],
                Command = ["/kaniko/executor"],
                CheckExitCode = false,
            },
            Ct);

        Assert.True(result.ExitCode is 0 or 1, result.StandardError);
        Assert.DoesNotContain("not found", result.StandardError, StringComparison.Ordinal);
    }
}
