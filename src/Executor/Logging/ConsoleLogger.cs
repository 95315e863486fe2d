using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Logging;

/// <summary>
/// kaniko-style lines on stderr (<c>INFO[0003] message</c>): one logger for the whole executor, no
/// categories, so CI logs read the same as kaniko's.
/// </summary>
public sealed class ConsoleLogger(LogLevel minimum, TextWriter output) : ILogger
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel switch
        {
            LogLevel.Trace => "TRAC",
            LogLevel.Debug => "DEBU",
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARN",
            LogLevel.Error => "ERRO",
            _ => "FATA",
        };
        var seconds = (int)_clock.Elapsed.TotalSeconds;
        var line = $"{level}[{seconds:0000}] {formatter(state, exception)}";
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    /// <summary>Maps kaniko's --verbosity names (logrus levels) to .NET log levels.</summary>
    public static LogLevel ParseVerbosity(string verbosity) => verbosity.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "fatal" or "panic" => LogLevel.Critical,
        _ => throw new Cli.UsageException($"--verbosity: '{verbosity}' is not one of panic, fatal, error, warn, info, debug, trace"),
    };
}
