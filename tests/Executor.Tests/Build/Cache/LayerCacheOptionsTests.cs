using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Build.Cache;

public sealed class LayerCacheOptionsTests
{
    private static ExecutorOptions Options(bool cache = true, string? cacheRepo = null, bool noPush = false, bool noPushCache = false) => new()
    {
        ContextPath = "/ctx",
        DockerfilePath = "/ctx/Dockerfile",
        KanikoDir = "/kaniko",
        Cache = cache,
        CacheRepo = cacheRepo,
        NoPush = noPush,
        NoPushCache = noPushCache,
    };

    private static readonly IReadOnlyList<ImageReference> _destinations =
        [ImageReference.Parse("registry.example.com/team/app:1.0"), ImageReference.Parse("other.example.com/app:2")];

    [Fact]
    public void The_cache_repository_defaults_to_the_first_destination_plus_cache()
    {
        var options = LayerCacheOptions.Create(Options(), _destinations)!;

        Assert.Equal("registry.example.com/team/app/cache", options.Repository.ToString());
        Assert.Equal(TimeSpan.FromDays(14), options.Ttl);
        Assert.Equal("336h", options.TtlText);
        Assert.Equal("90m", (options with { Ttl = TimeSpan.FromMinutes(90) }).TtlText);
        Assert.Equal("2.5s", (options with { Ttl = TimeSpan.FromSeconds(2.5) }).TtlText);
        Assert.True(options.CacheRunLayers);
        Assert.False(options.CacheCopyLayers);
        Assert.True(options.Push);
    }

    [Fact]
    public void Without_cache_there_are_no_settings_and_no_push_cache_only_stops_pushes()
    {
        Assert.Null(LayerCacheOptions.Create(Options(cache: false), _destinations));
        Assert.False(LayerCacheOptions.Create(Options(noPushCache: true), _destinations)!.Push);
        Assert.True(LayerCacheOptions.Create(Options(noPush: true), _destinations)!.Push);
    }

    [Fact]
    public void An_explicit_repository_is_used_as_named_and_must_not_carry_a_tag()
    {
        Assert.Equal("127.0.0.1:5000/cache/app", LayerCacheOptions.Create(Options(cacheRepo: "127.0.0.1:5000/cache/app"), [])!.Repository.ToString());
        Assert.Equal("docker.io/team/cache", LayerCacheOptions.Create(Options(cacheRepo: "team/cache"), [])!.Repository.ToString());

        var tagged = Assert.Throws<UsageException>(() => LayerCacheOptions.Create(Options(cacheRepo: "127.0.0.1:5000/cache:v1"), []));
        Assert.Contains("--cache-repo", tagged.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => LayerCacheOptions.Create(Options(cacheRepo: "Not A Repo"), []));
    }

    [Fact]
    public void Without_destination_or_cache_repo_the_error_says_what_to_pass()
    {
        var error = Assert.Throws<UsageException>(() => LayerCacheOptions.Create(Options(noPush: true), []));
        Assert.Contains("--cache-repo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_push_claim_declares_the_cache_repository_only_when_layers_are_pushed_there()
    {
        var cache = LayerCacheOptions.Create(Options(), _destinations);
        Assert.Equal(
            ["registry.example.com/team/app:1.0", "other.example.com/app:2", "registry.example.com/team/app/cache"],
            LayerCacheSetup.PushRepositories(_destinations, cache).Select(r => r.ToString()));
        Assert.Equal(2, LayerCacheSetup.PushRepositories(_destinations, cache! with { Push = false }).Count);
        Assert.Equal(2, LayerCacheSetup.PushRepositories(_destinations, null).Count);
    }
}
