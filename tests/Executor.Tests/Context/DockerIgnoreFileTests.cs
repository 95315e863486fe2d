using Kaniko.Executor.Context;

namespace Kaniko.Executor.Tests.Context;

public sealed class DockerIgnoreFileTests : IDisposable
{
    private readonly string _context = Directory.CreateTempSubdirectory("kaniko-ignore-").FullName;

    public void Dispose() => Directory.Delete(_context, recursive: true);

    [Fact]
    public void No_ignore_file_excludes_nothing()
    {
        Assert.Null(DockerIgnoreFile.Locate(_context, "Dockerfile"));
        Assert.Same(DockerIgnoreMatcher.Empty, DockerIgnoreFile.Load(_context, "Dockerfile"));
    }

    [Fact]
    public void Context_dockerignore_is_used()
    {
        File.WriteAllText(Path.Combine(_context, ".dockerignore"), "*.tmp\n");

        var matcher = DockerIgnoreFile.Load(_context, "Dockerfile");

        Assert.True(matcher.IsExcluded("a.tmp"));
        Assert.Equal(".dockerignore", matcher.Source);
    }

    [Fact]
    public void Dockerfile_specific_ignore_file_wins()
    {
        Directory.CreateDirectory(Path.Combine(_context, "build"));
        File.WriteAllText(Path.Combine(_context, ".dockerignore"), "*.tmp\n");
        File.WriteAllText(Path.Combine(_context, "build", "app.Dockerfile.dockerignore"), "*.log\n");

        var matcher = DockerIgnoreFile.Load(_context, "build/app.Dockerfile");

        Assert.True(matcher.IsExcluded("a.log"));
        Assert.False(matcher.IsExcluded("a.tmp"));
        Assert.Equal("app.Dockerfile.dockerignore", matcher.Source);
    }

    [Fact]
    public void Absolute_dockerfile_path_is_supported()
    {
        var dockerfile = Path.Combine(_context, "Dockerfile");
        File.WriteAllText(dockerfile + ".dockerignore", "secret\n");

        Assert.True(DockerIgnoreFile.Load(_context, dockerfile).IsExcluded("secret"));
    }
}
