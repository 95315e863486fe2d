namespace Kaniko.TestKit;

/// <summary>What <see cref="Sandbox.RunAsync"/> runs, and in which root.</summary>
public sealed record SandboxOptions
{
    /// <summary>The lower (read-only, left untouched) root, e.g. <see cref="BaseImages.BusyboxRootfsAsync"/>.</summary>
    public required string Rootfs { get; init; }

    /// <summary>The command, run as PID 1; the first element is a path inside the root.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public IReadOnlyList<SandboxBind> Binds { get; init; } = [];

    /// <summary>Set after the environment is cleared (PATH and HOME=/root are set by default).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string WorkingDirectory { get; init; } = "/";

    /// <summary>
    /// Keeps <c>upper/</c> (what the command changed, with overlay whiteouts), <c>work/</c> and
    /// <c>merged/</c> here; null: a temp folder, deleted afterwards.
    /// </summary>
    public string? ScratchDirectory { get; init; }

    /// <summary>
    /// Start as uid/gid 65534 in a user namespace that maps only that id to root (no subuid ranges):
    /// mknod and chown to other ids fail, as in restricted rootless CI. Bind sources must be readable by 65534.
    /// </summary>
    public bool Rootless { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    public bool CheckExitCode { get; init; } = true;
}
