namespace Kaniko.TestKit;

/// <summary>How <see cref="ProcessRunner"/> starts and judges a child process.</summary>
public sealed record ProcessOptions
{
    public static ProcessOptions Default { get; } = new();

    /// <summary>Variables set (or, when null, removed) in the child's environment only.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Written to the child's stdin, which is then closed. Null: stdin is closed at once.</summary>
    public string? StandardInput { get; init; }

    /// <summary>The whole process tree is killed when this elapses.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Throw <see cref="ProcessFailedException"/> on a non-zero exit code (default true).</summary>
    public bool CheckExitCode { get; init; } = true;
}
