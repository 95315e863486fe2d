using System.Diagnostics;

namespace Kaniko.Executor.Tests.Filesystem.Support;

internal static class Run
{
    /// <summary>Runs a program with space-separated arguments (no quoting needed by the callers).</summary>
    public static string Command(string file, string arguments, bool check = true) =>
        Execute(file, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), check);

    /// <summary>Runs a script with <c>sh -e</c>, passed as one argument.</summary>
    public static string Shell(string script) => Execute("/bin/sh", ["-ec", script], check: true);

    private static string Execute(string file, IEnumerable<string> arguments, bool check)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (check && process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error}");
            }

            return output.Result;
        }
        catch (System.ComponentModel.Win32Exception) when (!check)
        {
            return "";
        }
    }
}
