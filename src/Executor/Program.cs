using System.CommandLine;
using System.Runtime.InteropServices;
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

        // SIGTERM and SIGINT cancel the build (RUN steps are killed with their whole process tree) and the
        // executor exits after cleaning up; as PID 1 nothing else would stop it.
        using var cancellation = new CancellationTokenSource();
        var exitCode = 0;
        void Cancel(PosixSignalContext context, int code)
        {
            context.Cancel = true;
            exitCode = code;
            cancellation.Cancel();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Cancel(c, 143));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Cancel(c, 130));
        var command = new ExecutorCommand().Build(RunAsync);
        command.Subcommands.Add(new PushCommand().Build(PushAsync));
        command.Subcommands.Add(new IndexCommand().Build(IndexAsync));
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null };
        var result = await command.Parse(args).InvokeAsync(configuration, cancellation.Token).ConfigureAwait(false);
        return cancellation.IsCancellationRequested && exitCode != 0 ? exitCode : result;
    }

    private static async Task<int> PushAsync(Func<PushOptions> readOptions, CancellationToken cancellationToken)
    {
        PushOptions options;
        ILogger logger;
        try
        {
            options = readOptions();
            logger = new ConsoleLogger(ConsoleLogger.ParseVerbosity(options.Verbosity), Console.Error);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"executor push: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            var digest = await Image.Publishing.SavedImagePusher.PushAsync(options, logger, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Pushed {Source} as {Digest}", options.Source, digest.ToString());
            return 0;
        }
        catch (Exception e) when (e is UsageException or RegistryException or FormatException or InvalidDataException or InvalidOperationException or IOException)
        {
            logger.LogError("{Source}: {Message}", options.Source, e.Message);
            return 1;
        }
    }

    private static async Task<int> IndexAsync(Func<IndexOptions> readOptions, CancellationToken cancellationToken)
    {
        IndexOptions options;
        ILogger logger;
        try
        {
            options = readOptions();
            logger = new ConsoleLogger(ConsoleLogger.ParseVerbosity(options.Verbosity), Console.Error);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"executor index: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            await Image.Publishing.IndexPusher.PushAsync(options, logger, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (UsageException e)
        {
            logger.LogError("executor index: {Message}", e.Message);
            return 2;
        }
        catch (Exception e) when (e is RegistryException or FormatException or InvalidOperationException or IOException)
        {
            logger.LogError("executor index: {Message}", e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            logger.LogError("executor index: cancelled");
            return 130;
        }
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
