namespace Kaniko.TestKit;

/// <summary>
/// Runs a command as PID 1 in a container-like root without a container engine (needs root), via
/// scripts/testbed/run-in-sandbox.sh: overlay over a read-only root, /proc, a tmpfs /dev,
/// bind-mounted /etc/hosts, /etc/resolv.conf and /etc/hostname, pivot_root. The host network stays,
/// so the command reaches test registries on 127.0.0.1. This is how kaniko runs: in a root it may overwrite.
/// </summary>
public static class Sandbox
{
    public static async Task<ProcessResult> RunAsync(SandboxOptions options, CancellationToken cancellationToken)
    {
        List<string> args = ["--rootfs", options.Rootfs, "--workdir", options.WorkingDirectory];
        if (options.ScratchDirectory is not null)
        {
            args.AddRange(["--scratch", options.ScratchDirectory]);
        }

        if (options.Rootless)
        {
            args.Add("--rootless");
        }

        foreach (var bind in options.Binds)
        {
            args.AddRange(["--bind", bind.ToString()]);
        }

        foreach (var (name, value) in options.Environment)
        {
            args.AddRange(["--env", $"{name}={value}"]);
        }

        args.Add("--");
        args.AddRange(options.Command);
        await TestBed.EnsureInstalledAsync(cancellationToken);
        return await ProcessRunner.RunAsync(
            TestBed.Script("run-in-sandbox.sh"),
            args,
            new ProcessOptions { Timeout = options.Timeout, CheckExitCode = options.CheckExitCode },
            cancellationToken);
    }
}
