using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tokens;

namespace Kaniko.CredProxy.Tests.Auth;

public sealed class TokenCacheTests
{
    [Fact]
    public async Task Concurrent_requests_share_one_fetch()
    {
        var time = new ManualTime();
        var cache = new TokenCache(time);
        var fetches = 0;
        var gate = new TaskCompletionSource();
        async Task<BearerToken> Fetch(CancellationToken ct)
        {
            Interlocked.Increment(ref fetches);
            await gate.Task;
            return new BearerToken("t", time.GetUtcNow().AddMinutes(1));
        }

        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("k", Fetch, false, CancellationToken.None)).ToList();
        gate.SetResult();
        await Task.WhenAll(waiting);
        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task Failed_fetches_are_not_kept_and_stale_entries_are_pruned()
    {
        var time = new ManualTime();
        var cache = new TokenCache(time);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("bad", _ => throw new InvalidOperationException(), false, CancellationToken.None));
        Assert.Equal(0, cache.Count);
        for (var i = 0; i < 600; i++)
        {
            await cache.GetAsync("k" + i, _ => Task.FromResult(new BearerToken("t", time.GetUtcNow().AddSeconds(10))), false, CancellationToken.None);
        }

        time.Advance(TimeSpan.FromSeconds(20));
        await cache.GetAsync("fresh", _ => Task.FromResult(new BearerToken("t", time.GetUtcNow().AddSeconds(10))), false, CancellationToken.None);
        Assert.Equal(1, cache.Count);
    }

    [Theory]
    [InlineData(300, 240)]
    [InlineData(60, 48)]
    [InlineData(3600, 3540)]
    public void Tokens_are_refreshed_shortly_before_expiry(int lifetime, int refreshAfter)
    {
        var start = DateTimeOffset.UnixEpoch;
        Assert.Equal(start.AddSeconds(refreshAfter), TokenCache.RefreshTime(start, TimeSpan.FromSeconds(lifetime)));
    }
}
