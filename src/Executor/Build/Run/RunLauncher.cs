using System.Diagnostics;

namespace Kaniko.Executor.Build.Run;

/// <summary>
/// Starts a RUN step. The executor re-executes itself with the hidden <see cref="RunChild.CommandName"/>
/// command, which enters the build root, takes the step's identity and spawns the command with exactly the
/// step's environment: nothing of the executor's own environment reaches the step.
/// </summary>
public sealed class RunLauncher(string rootPath)
{
    private const int ArgumentListTooLong = 7; // E2BIG

    public async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { UseShellExecute = false };

        // The child is readable by the step (same uid): give it only what the .NET host needs to start.
        var keep = start.Environment.Where(v => v.Key.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList();
        start.Environment.Clear();
        foreach (var (name, value) in keep)
        {
            start.Environment[name] = value;
        }

        var (program, prefix) = SelfInvocation();
        start.FileName = program;
        foreach (var argument in prefix)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(RunChild.CommandName);
        start.ArgumentList.Add(rootPath);
        start.ArgumentList.Add(request.WorkingDirectory);
        start.ArgumentList.Add($"{request.Uid}:{request.Gid}:{string.Join(',', request.SupplementaryGroups)}");
        start.ArgumentList.Add(request.Environment.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var variable in request.Environment)
        {
            start.ArgumentList.Add(variable);
        }

        foreach (var argument in request.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == ArgumentListTooLong)
        {
            throw new InvalidOperationException(
                "the command and its environment (ENV and ARG values) are larger than Linux accepts for one program; shorten them, or move data into a file", e);
        }

        using var process = started ?? throw new InvalidOperationException("could not start the RUN step's process");
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    /// <summary>
    /// How to start this same program again: dotnet plus the dll in development, else /proc/self/exe, which
    /// still works after the build root replaced (or deleted) the file the executor was started from.
    /// </summary>
    private static (string Program, IReadOnlyList<string> Prefix) SelfInvocation()
    {
        // ProcessPath is null once the binary's file is gone (a build that relocated KANIKO_DIR deletes /kaniko).
        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return (processPath, [Path.Combine(AppContext.BaseDirectory, "executor.dll")]);
        }

        return ("/proc/self/exe", []);
    }
}
