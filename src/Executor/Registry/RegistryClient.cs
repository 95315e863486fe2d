using System.Collections.Concurrent;
using Kaniko.Executor.Image;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaniko.Executor.Registry;

/// <summary>A manifest as the registry sent it, with its media type and (verified) digest.</summary>
public sealed record PulledManifest(ReadOnlyMemory<byte> Bytes, string MediaType, Digest Digest);

/// <summary>A base image resolved for one platform: its manifest and its verified config.</summary>
public sealed record ResolvedImage(ImageReference Reference, ImageManifest Manifest, ReadOnlyMemory<byte> ManifestBytes, ImageConfig Config, ReadOnlyMemory<byte> ConfigBytes)
{
    /// <summary>The media type of <see cref="ManifestBytes"/> (OCI or Docker schema 2).</summary>
    public string ManifestMediaType => Manifest.MediaType ?? MediaTypes.OciManifest;
}

/// <summary>
/// The executor's only door to registries (directly, or through the credential proxy): pulls manifests,
/// configs and verified blob streams, pushes blobs and manifests. Thread-safe; one per build.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private const int MaxManifestBytes = 4 * 1024 * 1024;
    private const int MaxConfigBytes = 32 * 1024 * 1024;

    private readonly RegistryClientOptions _options;
    private readonly ILogger _logger;
    private readonly RegistryTransport _transport;

    /// <summary>Repositories per registry known to hold a blob: the sources of cross-repository mounts.</summary>
    private readonly ConcurrentDictionary<(string Registry, Digest Digest), string> _blobLocations = new();

    /// <summary>Registries that refused a monolithic PUT upload: they get PATCH then PUT.</summary>
    private readonly ConcurrentDictionary<string, bool> _patchOnlyRegistries = new(StringComparer.OrdinalIgnoreCase);

    public RegistryClient(RegistryClientOptions options, ILogger? logger = null)
        : this(options, logger, handler: null)
    {
    }

    internal RegistryClient(RegistryClientOptions options, ILogger? logger, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Retries);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _transport = new RegistryTransport(options, _logger, handler);
    }

    public void Dispose() => _transport.Dispose();

    /// <summary>Remembers that <paramref name="repository"/> holds <paramref name="digest"/>, so a push to another repository of that registry can mount it.</summary>
    public void RememberBlobLocation(ImageReference repository, Digest digest) =>
        _blobLocations[(repository.Registry, digest)] = repository.Repository;

    private static string BlobPath(ImageReference repository, Digest digest) => $"/v2/{repository.Repository}/blobs/{digest}";

    private static string ManifestPath(ImageReference reference, string identifier) => $"/v2/{reference.Repository}/manifests/{identifier}";

    /// <summary>Runs <paramref name="attempt"/> again after transient failures, with exponential backoff or the registry's Retry-After.</summary>
    private async Task<T> RetryAsync<T>(string operation, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e) when (e.IsTransient)
            {
                if (tries >= _options.Retries)
                {
                    if (tries == 0)
                    {
                        throw;
                    }

                    var message = e.Message.StartsWith(operation, StringComparison.Ordinal) ? e.Message : $"{operation} failed: {e.Message}";
                    throw new RegistryException($"{message} (gave up after {tries + 1} attempts)", e.Registry, e.Repository, e.StatusCode, e.ErrorCodes, isTransient: true, innerException: e);
                }

                var backoff = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryBaseDelay.Ticks << Math.Min(tries, 20)));
                var delay = e.RetryAfter is { } asked ? TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, Math.Max(asked.Ticks, backoff.Ticks))) : backoff;
                Log.Retrying(_logger, operation, FirstSentence(e.Message), tries + 1, _options.Retries, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RetryAsync(string operation, Func<CancellationToken, Task> attempt, CancellationToken cancellationToken) =>
        await RetryAsync<bool>(
            operation,
            async ct =>
            {
                await attempt(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>The digest of a document, with the algorithm of <paramref name="expected"/> when given (sha256 otherwise).</summary>
    private static Digest DigestOf(ReadOnlySpan<byte> bytes, Digest? expected) =>
        expected is { Algorithm: "sha512" }
            ? Digest.Parse("sha512:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(bytes)))
            : Digest.Sha256Of(bytes);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    /// <summary>
    /// Reads a whole small body, refusing more than <paramref name="limit"/> bytes. The headers timeout has passed by
    /// now, so a body that stops moving for the stall timeout is a transient error, not a wait without end.
    /// </summary>
    private async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit, string what, ImageReference reference, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > 0 and var declared && declared > limit)
        {
            throw new RegistryException($"{what} of {reference} is {declared} bytes, more than the {limit} bytes allowed", reference.Registry, reference.Repository);
        }

        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var guard = new StallGuard(_options.TimeProvider, _options.StallTimeout, stalled.Cancel);
        var received = 0L;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(stalled.Token).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, stalled.Token).ConfigureAwait(false)) > 0)
            {
                guard.Progress();
                received += n;
                if (buffer.Length + n > limit)
                {
                    throw new RegistryException($"{what} of {reference} is more than the {limit} bytes allowed", reference.Registry, reference.Repository);
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
        catch (OperationCanceledException e) when (guard.Stalled && !cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException(
                $"{what} of {reference}: {reference.Registry} stopped sending after {received} bytes (no data for {_options.StallTimeout.TotalSeconds:0.#} s); the registry or the network between is stuck, try again later",
                reference.Registry, reference.Repository, isTransient: true, innerException: e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new RegistryException($"{what} of {reference}: the connection broke while reading: {e.Message}", reference.Registry, reference.Repository, isTransient: true, innerException: e);
        }
    }
}
