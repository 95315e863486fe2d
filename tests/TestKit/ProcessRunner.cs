using System.Diagnostics;
using System.Text;

namespace Kaniko.TestKit;

/// <summary>Runs a command without a shell and captures its output.</summary>
public static class ProcessRunner
{
    public static Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(fileName, arguments, ProcessOptions.Default, cancellationToken);

    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, ProcessOptions options, CancellationToken cancellationToken)
    {
        var args = arguments.ToArray();
        var startInfo = CreateStartInfo(fileName, args, options.Environment, options.WorkingDirectory);
        startInfo.RedirectStandardInput = true;

        using var process = new Process { StartInfo = startInfo };
        var stopwatch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"Cannot start {FormatCommandLine(fileName, args)}: {e.Message}", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdin = WriteInputAsync(process.StandardInput, options.StandardInput);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        string? failure = null;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None);
            failure = cancellationToken.IsCancellationRequested
                ? "cancelled"
                : $"timed out ({options.Timeout.TotalSeconds:0.#} s), process tree killed";
        }

        await stdin;
        var result = new ProcessResult(
            fileName, args, process.ExitCode, await stdout, await stderr, stopwatch.Elapsed);
        if (failure is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new ProcessFailedException(result, failure);
        }

        if (options.CheckExitCode && result.ExitCode != 0)
        {
            throw new ProcessFailedException(result, $"exit code {result.ExitCode}");
        }

        return result;
    }

    private static async Task WriteInputAsync(StreamWriter stdin, string? input)
    {
        try
        {
            if (input is not null)
            {
                await stdin.WriteAsync(input);
            }

            stdin.Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The child closed stdin early or was killed; its exit code tells the story.
        }
    }

    internal static ProcessStartInfo CreateStartInfo(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        string? workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        return startInfo;
    }

    internal static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>The command line for messages: quoted, with the secret half of <c>--creds USER:PASS</c> masked.</summary>
    public static string FormatCommandLine(string fileName, IEnumerable<string> arguments)
    {
        var parts = new List<string> { Quote(fileName) };
        string? previous = null;
        foreach (var argument in arguments)
        {
            parts.Add(Quote(previous is "--creds" or "--src-creds" or "--dest-creds" ? MaskCredentials(argument) : argument));
            previous = argument;
        }

        return string.Join(' ', parts);
    }

    private static string MaskCredentials(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "***" : value[..(colon + 1)] + "***";
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
