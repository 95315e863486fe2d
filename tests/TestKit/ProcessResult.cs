namespace Kaniko.TestKit;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(
    string FileName,
    IReadOnlyList<string> Arguments,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The command line, quoted for reading (not for a shell).</summary>
    public string CommandLine => ProcessRunner.FormatCommandLine(FileName, Arguments);
}
