using System.CommandLine;
using Kaniko.Executor.Build;
using Kaniko.Executor.Build.Run;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Logging;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == RunChild.CommandName)
        {
            return RunChild.Run(args[1..]);
        }

        // SECURITY.md promise 2: RUN steps run as the same uid; without this they could read our memory and environ.
        Native.prctl(Native.PrSetDumpable, 0, 0, 0, 0);

        var command = new ExecutorCommand().Build(RunAsync);
        return await command.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(Func<ExecutorOptions> readOptions, CancellationToken cancellationToken)
    {
        ExecutorOptions options;
        ILogger logger;
        try
        {
            options = readOptions();
            logger = new ConsoleLogger(ConsoleLogger.ParseVerbosity(options.Verbosity), Console.Error);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"executor: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            await new ImageBuilder(options, logger).BuildAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is UsageException or DockerfileException or BuildException or RegistryException or LayerFormatException or FormatException or InvalidOperationException or IOException)
        {
            logger.LogError("{Message}", e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            logger.LogError("build cancelled");
            return 130;
        }
        catch (Exception e)
        {
            // A fault of ours, not of the input: say so plainly; the trace only at debug level.
            logger.LogError("internal error ({Type}): {Message}. Please report it with the output of --verbosity debug", e.GetType().Name, e.Message);
            logger.LogDebug("{Trace}", e.ToString());
            return 1;
        }
    }
}
