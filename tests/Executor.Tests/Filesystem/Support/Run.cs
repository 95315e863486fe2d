using System.Diagnostics;

namespace Kaniko.Executor.Tests.Filesystem.Support;

internal static class Run
{
    public static string Command(string file, string arguments, bool check = true)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (check && process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error}");
            }

            return output.Result;
        }
        catch (System.ComponentModel.Win32Exception) when (!check)
        {
            return "";
        }
    }

    public static string Shell(string script) => Command("/bin/sh", $"-c \"{script.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
}
