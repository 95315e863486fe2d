using System.Formats.Tar;
using System.IO.Compression;
using Kaniko.Executor.Build;
using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;
using Kaniko.TestKit;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Tests.Build.Cache;

/// <summary>The layer cache against a real docker-registry: entries stored, found, expired, refused.</summary>
public sealed class LayerCacheTests : IDisposable
{
    private static readonly Platform _amd64 = new("amd64", "linux");
    private static readonly HistoryEntry _history = new() { CreatedBy = "RUN echo hi # buildkit", Comment = "buildkit.dockerfile.v0" };
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly TempDirectory _work = TempDirectory.Create("layer-cache");

    public void Dispose()
    {
        _timeout.Dispose();
        _work.Dispose();
    }

    private static RegistryClientOptions ClientOptions(string host, ICredentialSource? credentials = null) => new()
    {
        InsecureRegistries = new HashSet<string> { host },
        Retries = 0,
        Credentials = credentials,
    };

    private static LayerCacheOptions Options(string host, TimeSpan? ttl = null) =>
        new(ImageReference.Parse($"{host}/app/cache"), ttl ?? LayerCacheOptions.DefaultTtl, CacheRunLayers: true, CacheCopyLayers: false, Push: true, "gzip");

    private LayerCache Cache(RegistryClient client, LayerCacheOptions options, string layers, ILogger? logger = null, TimeProvider? time = null) =>
        new(client, options, _amd64, _work.CreateSubdirectory(layers), time ?? TimeProvider.System, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    /// <summary>A real gzip layer with one random file, written to the work folder.</summary>
    private ImageLayer Layer()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var data = new byte[2048];
            Random.Shared.NextBytes(data);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "random.bin") { DataStream = new MemoryStream(data), Mode = UnixFileMode.UserRead });
        }

        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(tar.ToArray());
        }

        var path = _work.Combine($"layer-{Guid.NewGuid():N}.tar.gz");
        File.WriteAllBytes(path, gzip.ToArray());
        return new ImageLayer(new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(gzip.ToArray()), gzip.Length), Digest.Sha256Of(tar.ToArray()), path);
    }

    [Fact]
    public async Task A_stored_layer_is_found_by_its_key_verified_and_on_disk()
    {
        var ct = _timeout.Token;
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, ct);
        using var client = new RegistryClient(ClientOptions(registry.Host));
        var layer = Layer();
        var key = new string('a', 64);
        var emptyKey = new string('b', 64);
        await using (var writer = Cache(client, Options(registry.Host), "writer"))
        {
            writer.Store(key, layer, _history, ct);
            writer.Store(emptyKey, null, _history, ct);
            await writer.FlushAsync();
            Assert.True(writer.CanStore);
        }

        await using var reader = Cache(client, Options(registry.Host), "reader");
        var hit = await reader.LookupAsync(key, "RUN echo hi", ct);
        Assert.NotNull(hit?.Layer);
        Assert.Equal(layer.Descriptor, hit.Layer.Descriptor);
        Assert.Equal(layer.DiffId, hit.Layer.DiffId);
        Assert.Equal(File.ReadAllBytes(layer.Path), File.ReadAllBytes(hit.Layer.Path));

        var empty = await reader.LookupAsync(emptyKey, "RUN true", ct);
        Assert.NotNull(empty);
        Assert.Null(empty.Layer);

        Assert.Null(await reader.LookupAsync(new string('c', 64), "RUN other", ct));
        Assert.True(reader.CanLookUp);
    }

    [Fact]
    public async Task Entries_older_than_the_ttl_are_misses()
    {
        var ct = _timeout.Token;
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, ct);
        using var client = new RegistryClient(ClientOptions(registry.Host));
        var key = new string('d', 64);
        await using (var writer = Cache(client, Options(registry.Host), "writer"))
        {
            writer.Store(key, Layer(), _history, ct);
        }

        var later = new ShiftedTime(TimeSpan.FromDays(15));
        var logs = new ListLogger();
        await using var twoWeeks = Cache(client, Options(registry.Host), "two-weeks", logs, later);
        Assert.Null(await twoWeeks.LookupAsync(key, "RUN echo hi", ct));
        Assert.Contains(logs.Messages, m => m.StartsWith("Cache entry expired: ", StringComparison.Ordinal));
        Assert.True(twoWeeks.CanLookUp);

        await using var month = Cache(client, Options(registry.Host, TimeSpan.FromDays(30)), "month", time: later);
        Assert.NotNull(await month.LookupAsync(key, "RUN echo hi", ct));
    }

    [Fact]
    public async Task An_unreachable_repository_turns_the_cache_off_with_one_warning()
    {
        var ct = _timeout.Token;
        var host = $"127.0.0.1:{FreePort.Next()}";
        using var client = new RegistryClient(ClientOptions(host));
        var logs = new ListLogger();
        await using var cache = Cache(client, Options(host), "layers", logs);

        Assert.Null(await cache.LookupAsync(new string('e', 64), "RUN echo hi", ct));
        Assert.False(cache.CanLookUp);
        Assert.False(cache.CanStore);
        Assert.Null(await cache.LookupAsync(new string('f', 64), "RUN echo two", ct));
        cache.Store(new string('f', 64), Layer(), _history, ct);
        await cache.FlushAsync();

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"The layer cache {host}/app/cache cannot be used", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_push_is_a_warning_and_stops_further_stores()
    {
        var ct = _timeout.Token;
        TokenPolicy pullOnlyCache = (subject, requested) =>
            subject is null ? [] : requested.Name == "app/cache" ? requested.Actions.Where(a => a == "pull").ToArray() : requested.Actions;
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { Mode = RegistryAuthMode.Token, TokenPolicy = pullOnlyCache }, ct);
        var credentials = new StaticCredentialSource(new Dictionary<string, RegistryCredential>
        {
            [registry.Host] = new(registry.Username, registry.Password),
        });
        using var client = new RegistryClient(ClientOptions(registry.Host, credentials));
        var logs = new ListLogger();
        await using var cache = Cache(client, Options(registry.Host), "layers", logs);

        Assert.Null(await cache.LookupAsync(new string('1', 64), "RUN echo hi", ct));
        Assert.True(cache.CanLookUp);
        cache.Store(new string('1', 64), Layer(), _history, ct);
        await cache.FlushAsync();

        Assert.False(cache.CanStore);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"Could not push {registry.Host}/app/cache:{new string('1', 64)} to the layer cache", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(registry.Password!, string.Join('\n', logs.Messages), StringComparison.Ordinal);
    }

    private sealed class ShiftedTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    /// <summary>Keeps what is logged, to check the messages a user would read.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public IEnumerable<string> Messages => Entries.Select(e => e.Message);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
