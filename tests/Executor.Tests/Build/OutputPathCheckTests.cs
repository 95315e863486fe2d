using Kaniko.Executor.Build;
using Kaniko.Executor.Cli;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaniko.Executor.Tests.Build;

/// <summary>Output paths that cannot be written are refused before the build, naming the flag.</summary>
public sealed class OutputPathCheckTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kaniko-outputs-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ExecutorOptions Options()
    {
        var context = Directory.CreateDirectory(Path.Combine(_work, "context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM scratch\n");
        File.WriteAllText(Path.Combine(_work, "a-file"), "x");
        return new ExecutorOptions
        {
            ContextPath = context,
            DockerfilePath = Path.Combine(context, "Dockerfile"),
            RootPath = Path.Combine(_work, "root"),
            KanikoDir = Path.Combine(_work, "kaniko"),
            NoPush = true,
        };
    }

    [Theory]
    [InlineData("--tar-path", "context", "is a directory: name a file")]
    [InlineData("--tar-path", "a-file/image.tar", "is a file, not a directory")]
    [InlineData("--oci-layout-path", "a-file", "is a file: name a directory")]
    [InlineData("--oci-layout-path", "a-file/layout", "is a file, not a directory")]
    public async Task An_unwritable_output_path_is_a_usage_error_before_the_build(string flag, string relative, string expected)
    {
        var path = Path.Combine(_work, relative);
        var options = flag == "--tar-path" ? Options() with { TarPath = path } : Options() with { OciLayoutPath = path };

        var error = await Assert.ThrowsAsync<UsageException>(() => new ImageBuilder(options, NullLogger.Instance).BuildAsync(CancellationToken.None));

        Assert.StartsWith($"{flag} {path}", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work, "root")), "the build must not have started");
    }
}
