using System.Net;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Registry;

public sealed partial class RegistryClient
{
    private static readonly IReadOnlyList<string> _manifestAccept =
        [.. MediaTypes.AcceptedManifests, MediaTypes.DockerManifestSchema1Signed, MediaTypes.DockerManifestSchema1];

    /// <summary>Fetches a manifest or index by tag or digest; the digest is verified when the reference has one.</summary>
    public Task<PulledManifest> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return RetryAsync($"get manifest {reference}", ct => GetManifestOnceAsync(reference, ct), cancellationToken);
    }

    /// <summary>As <see cref="GetManifestAsync"/>, but null when the registry does not know the tag, digest or repository (e.g. a cache lookup).</summary>
    public async Task<PulledManifest?> TryGetManifestAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        try
        {
            return await GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Resolves a base image for a platform: follows an index (OCI or Docker list) to the platform's manifest,
    /// then fetches and verifies the config. Docker schema 1 images are refused with a clear error.
    /// </summary>
    public async Task<ResolvedImage> ResolveImageAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(platform);
        var pulled = await GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        var fromIndex = false;
        for (var depth = 0; MediaTypes.IsIndex(pulled.MediaType); depth++)
        {
            if (depth >= 2)
            {
                throw new RegistryException($"{reference} is an index of indexes more than two levels deep: not supported", reference.Registry, reference.Repository);
            }

            var index = Parse(pulled.Bytes, ImageJsonContext.Default.ImageIndex, "index", reference);
            var chosen = PlatformSelector.Select(index.Manifests ?? [], platform)
                ?? throw new RegistryException(
                    $"{reference} has no image for platform {platform} (it offers: {PlatformSelector.Describe(index.Manifests ?? [])}). Choose one with --custom-platform",
                    reference.Registry, reference.Repository);
            var child = reference.WithDigest(chosen.Digest);
            pulled = await GetManifestAsync(child, cancellationToken).ConfigureAwait(false);
            if (pulled.Bytes.Length != chosen.Size)
            {
                throw new RegistryException($"manifest {chosen.Digest} of {reference} is {pulled.Bytes.Length} bytes but the index says {chosen.Size}", reference.Registry, reference.Repository);
            }

            fromIndex = true;
        }

        if (MediaTypes.IsSchema1(pulled.MediaType))
        {
            throw new RegistryException(
                $"{reference} is a Docker schema 1 image ({pulled.MediaType}), which is deprecated and unsupported: rebuild or re-push the base image with a current tool (e.g. skopeo copy --format v2s2)",
                reference.Registry, reference.Repository);
        }

        if (!MediaTypes.IsImageManifest(pulled.MediaType))
        {
            throw new RegistryException($"{reference} is a {pulled.MediaType}, not an image manifest or index", reference.Registry, reference.Repository);
        }

        var manifest = Parse(pulled.Bytes, ImageJsonContext.Default.ImageManifest, "manifest", reference);
        if (manifest.Config is null || manifest.Layers is null)
        {
            throw new RegistryException($"manifest {pulled.Digest} of {reference} lacks its config or layers", reference.Registry, reference.Repository);
        }

        var resolved = reference.WithDigest(pulled.Digest);
        var configBytes = await ReadBlobAsync(resolved, manifest.Config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        var config = Parse(configBytes, ImageJsonContext.Default.ImageConfig, $"config {manifest.Config.Digest}", reference);
        if (!fromIndex && !platform.IsSatisfiedBy(new Platform(config.Architecture, config.Os) { Variant = config.Variant }))
        {
            Log.PlatformMismatch(_logger, reference.ToString(), $"{config.Os}/{config.Architecture}{(config.Variant is null ? "" : "/" + config.Variant)}", platform.ToString());
        }

        foreach (var layer in manifest.Layers)
        {
            RememberBlobLocation(reference, layer.Digest);
        }

        RememberBlobLocation(reference, manifest.Config.Digest);
        Log.Resolved(_logger, reference.ToString(), platform.ToString(), pulled.Digest.ToString());
        return new ResolvedImage(resolved, manifest with { MediaType = pulled.MediaType }, pulled.Bytes, config, configBytes);
    }

    /// <summary>
    /// Opens a blob for streaming. Size and digest are checked as it is read: the read that reaches the end
    /// throws a <see cref="RegistryException"/> on mismatch. A broken connection is resumed with a Range request.
    /// </summary>
    public async Task<Stream> OpenBlobAsync(ImageReference repository, Descriptor blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        var response = await RetryAsync($"get blob {blob.Digest} of {repository.RepositoryName}", ct => GetBlobResponseAsync(repository, blob, null, ct), cancellationToken).ConfigureAwait(false);
        RememberBlobLocation(repository, blob.Digest);
        return await BlobReadStream.OpenAsync(
            blob,
            repository,
            response,
            (offset, ct) => RetryAsync($"resume blob {blob.Digest} of {repository.RepositoryName}", c => GetBlobResponseAsync(repository, blob, offset, c), ct),
            _options.TimeProvider,
            _options.StallTimeout,
            _logger,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the repository has the blob (HEAD).</summary>
    public Task<bool> BlobExistsAsync(ImageReference repository, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return RetryAsync($"check blob {digest} in {repository.RepositoryName}", ct => BlobExistsOnceAsync(repository, digest, "pull", ct), cancellationToken);
    }

    private async Task<bool> BlobExistsOnceAsync(ImageReference repository, Digest digest, string actions, CancellationToken cancellationToken)
    {
        var request = new RegistryRequest(HttpMethod.Head, _transport.BuildUri(repository.Registry, BlobPath(repository, digest)), repository, $"check blob {digest} in {repository.RepositoryName}")
        {
            Actions = actions,
        };
        var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return false;
        }

        if (!RegistryErrors.IsSuccess(response.StatusCode))
        {
            throw await _transport.ErrorAsync(response, request, cancellationToken).ConfigureAwait(false);
        }

        response.Dispose();
        return true;
    }

    private async Task<byte[]> ReadBlobAsync(ImageReference repository, Descriptor blob, int limit, CancellationToken cancellationToken)
    {
        if (blob.Size > limit || blob.Size < 0)
        {
            throw new RegistryException($"blob {blob.Digest} of {repository} is {blob.Size} bytes, more than the {limit} bytes allowed here", repository.Registry, repository.Repository);
        }

        return await RetryAsync(
            $"get blob {blob.Digest} of {repository.RepositoryName}",
            async ct =>
            {
                var stream = await OpenBlobAsync(repository, blob, ct).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var bytes = new byte[blob.Size];
                    var read = 0;
                    while (read < bytes.Length)
                    {
                        var n = await stream.ReadAsync(bytes.AsMemory(read), ct).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    // Reaching the end runs the size and digest check.
                    var extra = new byte[1];
                    _ = await stream.ReadAsync(extra, ct).ConfigureAwait(false);
                    return bytes;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> GetBlobResponseAsync(ImageReference repository, Descriptor blob, long? from, CancellationToken cancellationToken)
    {
        var request = new RegistryRequest(HttpMethod.Get, _transport.BuildUri(repository.Registry, BlobPath(repository, blob.Digest)), repository, $"get blob {blob.Digest} of {repository.RepositoryName}")
        {
            RangeFrom = from is > 0 ? from : null,
        };
        var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!RegistryErrors.IsSuccess(response.StatusCode))
        {
            throw await _transport.ErrorAsync(response, request, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private async Task<PulledManifest> GetManifestOnceAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        var request = new RegistryRequest(HttpMethod.Get, _transport.BuildUri(reference.Registry, ManifestPath(reference, reference.Identifier)), reference, $"get manifest {reference}")
        {
            Accept = _manifestAccept,
        };
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!RegistryErrors.IsSuccess(response.StatusCode))
        {
            throw await _transport.ErrorAsync(response, request, cancellationToken).ConfigureAwait(false);
        }

        var bytes = await ReadLimitedAsync(response, MaxManifestBytes, "the manifest", reference, cancellationToken).ConfigureAwait(false);
        var digest = DigestOf(bytes, reference.Digest);
        if (reference.Digest is { } expected && expected != digest)
        {
            throw new RegistryException(
                $"manifest of {reference} has digest {digest}, not the one asked for: the registry sent other content than requested",
                reference.Registry, reference.Repository);
        }

        var mediaType = DetectMediaType(bytes, response.Content.Headers.ContentType?.MediaType, reference);
        return new PulledManifest(bytes, mediaType, digest);
    }

    private static string DetectMediaType(byte[] bytes, string? contentType, ImageReference reference)
    {
        var probe = Parse(bytes, ImageJsonContext.Default.ManifestProbe, "manifest", reference);
        if (probe.SchemaVersion == 1 || MediaTypes.IsSchema1(contentType))
        {
            return MediaTypes.IsSchema1(contentType) ? contentType! : MediaTypes.DockerManifestSchema1;
        }

        if (probe.MediaType is { Length: > 0 } declared)
        {
            return declared;
        }

        if (MediaTypes.IsIndex(contentType) || MediaTypes.IsImageManifest(contentType))
        {
            return contentType!;
        }

        return probe.Manifests is not null ? MediaTypes.OciIndex
            : probe.Config is not null ? MediaTypes.OciManifest
            : throw new RegistryException($"the manifest of {reference} is neither an image manifest nor an index (no config, no manifests; content type '{contentType}')", reference.Registry, reference.Repository);
    }

    private static T Parse<T>(ReadOnlyMemory<byte> bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what, ImageReference reference)
    {
        try
        {
            return ImageJson.Deserialize(bytes.Span, type, $"{what} of {reference}");
        }
        catch (FormatException e)
        {
            throw new RegistryException(e.Message, reference.Registry, reference.Repository, innerException: e);
        }
    }
}
