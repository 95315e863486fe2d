using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBed;

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
}
