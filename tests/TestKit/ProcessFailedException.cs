namespace Kaniko.TestKit;

/// <summary>A child process exited non-zero or timed out; the message carries its stderr.</summary>
public sealed class ProcessFailedException : Exception
{
    public ProcessFailedException(ProcessResult result, string reason)
        : base(BuildMessage(result, reason))
    {
        Result = result;
    }

    public ProcessResult Result { get; }

    private static string BuildMessage(ProcessResult result, string reason)
    {
        var stderr = Tail(result.StandardError.Trim(), 4000);
        var stdout = Tail(result.StandardOutput.Trim(), 1000);
        return $"{result.CommandLine}: {reason} after {result.Elapsed.TotalSeconds:0.00} s."
            + (stderr.Length > 0 ? $"\nstderr:\n{stderr}" : "\n(stderr empty)")
            + (stdout.Length > 0 ? $"\nstdout:\n{stdout}" : "");
    }

    private static string Tail(string text, int max) =>
        text.Length <= max ? text : "..." + text[^max..];
}
