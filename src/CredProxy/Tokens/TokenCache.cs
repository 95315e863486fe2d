using System.Collections.Concurrent;

namespace Kaniko.CredProxy.Tokens;

/// <summary>
/// Tokens per realm, service, scope set and upstream; one fetch at a time per key, so many concurrent
/// requests for the same scope share one round trip to the token endpoint.
/// </summary>
public sealed class TokenCache(TimeProvider time)
{
    private const int PruneAbove = 512;

    private readonly ConcurrentDictionary<string, Lazy<Task<BearerToken>>> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public async Task<BearerToken> GetAsync(string key, Func<CancellationToken, Task<BearerToken>> fetch, bool forceRefresh, CancellationToken cancellationToken)
    {
        if (_entries.Count > PruneAbove)
        {
            Prune();
        }

        // At most two rounds: a token fetched in this call is used even if already due for refresh.
        for (var round = 0; ; round++)
        {
            var entry = _entries.GetOrAdd(key, _ => new Lazy<Task<BearerToken>>(() => fetch(CancellationToken.None)));
            BearerToken token;
            try
            {
                token = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _entries.TryRemove(new KeyValuePair<string, Lazy<Task<BearerToken>>>(key, entry));
                throw;
            }

            if (round > 0 || (!forceRefresh && time.GetUtcNow() < token.RefreshAt))
            {
                return token;
            }

            forceRefresh = false;
            _entries.TryRemove(new KeyValuePair<string, Lazy<Task<BearerToken>>>(key, entry));
        }
    }

    /// <summary>Drops entries whose token is due for refresh or whose fetch failed.</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.IsValueCreated && entry.Value.IsCompleted
                && (!entry.Value.IsCompletedSuccessfully || entry.Value.Result.RefreshAt <= now))
            {
                _entries.TryRemove(new KeyValuePair<string, Lazy<Task<BearerToken>>>(key, entry));
            }
        }
    }

    /// <summary>When to refresh a token that lives <paramref name="lifetime"/>: a fifth of it early, at most 60 s early.</summary>
    public static DateTimeOffset RefreshTime(DateTimeOffset issued, TimeSpan lifetime)
    {
        var margin = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 5, TimeSpan.FromSeconds(60).Ticks));
        return issued + lifetime - margin;
    }
}
