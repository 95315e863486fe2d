using System.Diagnostics;
using System.Text;

namespace Kaniko.TestKit;

/// <summary>
/// A long-running child process (a registry, a proxy): output is kept in memory for diagnostics,
/// disposal kills the whole tree and waits for it.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 1024 * 1024;

    // Safety net: children a test forgot to dispose die with the test host instead of outliving it.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<BackgroundProcess, byte> _live = new();
    private static int _exitHookInstalled;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private int _disposed;

    private BackgroundProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string CommandLine { get; private init; } = "";

    /// <summary>Interleaved stdout and stderr so far (the last 1 MiB).</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    public static BackgroundProcess Start(string fileName, IEnumerable<string> arguments, ProcessOptions options)
    {
        var args = arguments.ToArray();
        var startInfo = ProcessRunner.CreateStartInfo(fileName, args, options.Environment, options.WorkingDirectory);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var background = new BackgroundProcess(process) { CommandLine = ProcessRunner.FormatCommandLine(fileName, args) };
        process.OutputDataReceived += (_, e) => background.Append(e.Data);
        process.ErrorDataReceived += (_, e) => background.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new InvalidOperationException($"Cannot start {background.CommandLine}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var leftover in _live.Keys)
                {
                    ProcessRunner.KillTree(leftover._process);
                }
            };
        }

        _live[background] = 0;
        return background;
    }

    /// <summary>Waits for the process to exit on its own.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Kills the process tree (SIGKILL) and waits for it to go away.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            ProcessRunner.KillTree(_process);
        }

        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _live.TryRemove(this, out _);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A process that survives SIGKILL for 10 s is stuck in the kernel; nothing more to do.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - MaxOutputChars);
            }
        }
    }
}
