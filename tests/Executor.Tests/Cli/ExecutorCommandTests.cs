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
        Assert.True(options.Cache);
        Assert.Empty(options.CacheFlagsWithoutEffect);
    }

    [Fact]
    public void Cache_flags_have_kanikos_defaults_and_say_when_they_do_nothing()
    {
        var defaults = Parse("--no-push", "--cache");
        Assert.True(defaults.Cache);
        Assert.Null(defaults.CacheRepo);
        Assert.Equal(TimeSpan.FromDays(14), defaults.CacheTtl);
        Assert.True(defaults.CacheRunLayers);
        Assert.False(defaults.CacheCopyLayers);
        Assert.False(defaults.NoPushCache);

        var given = Parse(
            "--no-push", "--cache=true", "--cache-repo", "reg.example.com/cache", "--cache-ttl", "1h30m", "--cache-run-layers=false",
            "--cache-copy-layers", "--no-push-cache", "--cache-dir", "/cache", "--compressed-caching=false");
        Assert.Equal("reg.example.com/cache", given.CacheRepo);
        Assert.Equal(TimeSpan.FromMinutes(90), given.CacheTtl);
        Assert.False(given.CacheRunLayers);
        Assert.True(given.CacheCopyLayers);
        Assert.True(given.NoPushCache);
        Assert.Equal(["--cache-dir"], given.CacheFlagsWithoutEffect.Select(f => f.Flag));

        var withoutCache = Parse("--no-push", "--cache-repo", "reg.example.com/cache", "--cache-ttl", "2h");
        Assert.Equal(["--cache-repo", "--cache-ttl"], withoutCache.CacheFlagsWithoutEffect.Select(f => f.Flag));
        Assert.All(withoutCache.CacheFlagsWithoutEffect, f => Assert.Equal("has no effect without --cache=true", f.Reason));

        Assert.Equal(["--cache"], Parse("--no-push", "--cache", "--single-snapshot").CacheFlagsWithoutEffect.Select(f => f.Flag));
    }

    [Theory]
    [InlineData("two weeks")]
    [InlineData("-1h")]
    [InlineData("14")]
    public void A_cache_ttl_that_is_not_a_go_duration_is_a_usage_error(string ttl)
    {
        ExecutorOptions? parsed = null;
        var command = new ExecutorCommand().Build((read, _) =>
        {
            parsed = read();
            return Task.FromResult(0);
        });

        var error = Assert.Throws<UsageException>(() => command.Parse(["--no-push", "--cache-ttl", ttl]).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Contains("--cache-ttl", error.Message, StringComparison.Ordinal);
        Assert.Null(parsed);
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
    [InlineData("--compression-level", "99", "--compression-level 99: gzip takes 0-9")]
    [InlineData("--push-retry", "-3", "--push-retry")]
    [InlineData("--image-download-retry", "-1", "--image-download-retry")]
    public void Usage_mistakes_name_the_flag(string flag, string value, string expected)
    {
        var command = new ExecutorCommand().Build((read, _) => Task.FromResult(read() is null ? 1 : 0));
        var error = Assert.Throws<UsageException>(() => command.Parse([flag, value]).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compression_level_is_checked_against_the_chosen_codec()
    {
        Assert.Null(Parse("--compression-level", "-1").CompressionLevel);
        Assert.Equal(22, Parse("--compression", "zstd", "--compression-level", "22").CompressionLevel);
        var command = new ExecutorCommand().Build((read, _) => Task.FromResult(read() is null ? 1 : 0));
        var error = Assert.Throws<UsageException>(() => command.Parse(["--compression", "zstd", "--compression-level", "23"])
            .Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Contains("zstd takes 1-22", error.Message, StringComparison.Ordinal);
    }
}
