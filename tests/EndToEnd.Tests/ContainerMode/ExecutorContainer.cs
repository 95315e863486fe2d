using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.ContainerMode;

/// <summary>
/// The executor as it runs in production: the static binary as PID 1 of a container whose root it may
/// overwrite, started by TestKit's sandbox over an "executor image" root folder.
/// </summary>
internal static class ExecutorContainer
{
    /// <summary>The static executor (scripts/testbed/publish-static.sh: published once, cached by a hash of src/).</summary>
    public static Task<string> StaticBinaryAsync(CancellationToken cancellationToken) =>
        TestBed.PublishStaticAsync("src/Executor/Executor.csproj", cancellationToken);

    /// <summary>An executor image: /kaniko/executor plus whatever files a customised image adds.</summary>
    public static async Task<string> CreateImageRootAsync(TempDirectory work, IReadOnlyDictionary<string, string> extraFiles, CancellationToken cancellationToken)
    {
        var root = work.CreateSubdirectory("executor-image");
        Directory.CreateDirectory(Path.Combine(root, "kaniko"));
        File.Copy(await StaticBinaryAsync(cancellationToken), Path.Combine(root, "kaniko", "executor"));
        foreach (var (path, content) in extraFiles)
        {
            var target = Path.Combine(root, path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllTextAsync(target, content, cancellationToken);
            File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        }

        return root;
    }

    /// <summary>Runs <c>/kaniko/executor ARGS</c> as PID 1 (TestKit's sandbox) with the context bind-mounted at /workspace.</summary>
    public static Task<ProcessResult> RunAsync(
        string imageRoot, string contextDirectory, IEnumerable<string> executorArguments,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, string? scratchDirectory = null) =>
        Sandbox.RunAsync(
            new SandboxOptions
            {
                Rootfs = imageRoot,
                ScratchDirectory = scratchDirectory,
                Command = ["/kaniko/executor", "--context", "/workspace", .. executorArguments],
                Binds = [new SandboxBind(contextDirectory, "/workspace", ReadOnly: true)],
                Environment = environment,
                Timeout = TimeSpan.FromMinutes(5),
                CheckExitCode = false,
            },
            cancellationToken);
}
