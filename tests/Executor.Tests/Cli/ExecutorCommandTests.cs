using Kaniko.Executor.Cli;

namespace Kaniko.Executor.Tests.Cli;

public sealed class ExecutorCommandTests
{
    private static ExecutorOptions Parse(params string[] args)
    {
        ExecutorOptions? parsed = null;
        var command = new ExecutorCommand().Build((read, _) =>
        {
            parsed = read();
            return Task.FromResult(0);
        });
        var exit = command.Parse(args).Invoke();
        Assert.Equal(0, exit);
        return parsed!;
    }

    [Fact]
    public void Kaniko_flags_map_to_options()
    {
        var options = Parse(
            "--context", "/tmp/ctx", "--dockerfile", "build/Dockerfile",
            "--destination", "reg.example.com/a:1", "--destination=reg.example.com/a:2",
            "--build-arg", "A=1", "--build-arg", "B=x=y", "--no-push", "--insecure",
            "--insecure-registry", "127.0.0.1:5000", "--label", "team=core", "--target", "final",
            "--digest-file", "/tmp/d", "--use-new-run", "--cleanup", "--annotation", "a.b=c",
            "--push-ignore-immutable-tag-errors", "--tar-path", "/tmp/i.tar", "--cache=true");

        Assert.Equal("/tmp/ctx", options.ContextPath);
        Assert.Equal("/tmp/ctx/build/Dockerfile", options.DockerfilePath);
        Assert.Equal(["reg.example.com/a:1", "reg.example.com/a:2"], options.Destinations);
        Assert.Equal("1", options.BuildArgs["A"]);
        Assert.Equal("x=y", options.BuildArgs["B"]);
        Assert.True(options.NoPush);
        Assert.True(options.Insecure);
        Assert.Contains("127.0.0.1:5000", options.InsecureRegistries);
        Assert.Equal("core", options.Labels["team"]);
        Assert.Equal("final", options.Target);
        Assert.Equal("/tmp/d", options.DigestFile);
        Assert.True(options.IsContainerMode);
        Assert.Equal("c", options.Annotations["a.b"]);
        Assert.True(options.PushIgnoreImmutableTagErrors);
        Assert.Equal("/tmp/i.tar", options.TarPath);
        Assert.Equal(["--cache"], options.IgnoredCacheFlags);
    }

    [Fact]
    public void Dir_scheme_and_absolute_dockerfile_are_understood()
    {
        var options = Parse("--context", "dir:///src/app", "--dockerfile", "/other/Dockerfile", "--no-push", "--root", "/tmp/r");

        Assert.Equal("/src/app", options.ContextPath);
        Assert.Equal("/other/Dockerfile", options.DockerfilePath);
        Assert.False(options.IsContainerMode);
        Assert.Equal("/tmp/r", options.RootPath);
    }

    [Fact]
    public void A_bare_build_arg_name_takes_its_value_from_the_environment()
    {
        Environment.SetEnvironmentVariable("KANIKO_TEST_BARE_ARG", "from-env");
        var options = Parse("--build-arg", "KANIKO_TEST_BARE_ARG", "--build-arg", "KANIKO_TEST_UNSET_ARG", "--no-push");

        Assert.Equal("from-env", options.BuildArgs["KANIKO_TEST_BARE_ARG"]);
        Assert.False(options.BuildArgs.ContainsKey("KANIKO_TEST_UNSET_ARG"));
    }

    [Theory]
    [InlineData("--registry-proxy", "ftp://x", "--registry-proxy")]
    [InlineData("--image-format", "tarball", "--image-format")]
    [InlineData("--label", "novalue", "--label")]
    [InlineData("--build-arg", "=x", "--build-arg")]
    public void Usage_mistakes_name_the_flag(string flag, string value, string expected)
    {
        var command = new ExecutorCommand().Build((read, _) => Task.FromResult(read() is null ? 1 : 0));
        var error = Assert.Throws<UsageException>(() => command.Parse([flag, value]).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
