using System.Net;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// Uploads a blob unless the repository has it: HEAD first, then a cross-repository mount when the blob is
    /// known in another repository of the same registry, else POST and a streamed PUT. Retried as a whole.
    /// </summary>
    public Task PushBlobAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken) =>
        PushBlobAsync(repository, blob, openContent, mountFrom: null, cancellationToken);

    /// <summary>As <see cref="PushBlobAsync(ImageReference, Descriptor, Func{Stream}, CancellationToken)"/>, mounting from <paramref name="mountFrom"/> if it is in the same registry.</summary>
    public Task PushBlobAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, ImageReference? mountFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(openContent);
        return RetryAsync(
            $"push blob {blob.Digest} to {repository.RepositoryName}",
            ct => PushBlobOnceAsync(repository, blob, openContent, mountFrom, ct),
            cancellationToken);
    }

    /// <summary>Uploads a manifest under a tag or digest and returns its digest (checked against the registry's).</summary>
    public async Task<Digest> PushManifestAsync(ImageReference reference, ReadOnlyMemory<byte> manifest, string mediaType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        var digest = DigestOf(manifest.Span, reference.Digest);
        if (reference.Digest is { } expected && expected != digest)
        {
            throw new ArgumentException($"the manifest has digest {digest}, not {expected} as in {reference}", nameof(manifest));
        }

        var identifier = reference.Tag ?? digest.ToString();
        var target = $"{reference.RepositoryName}{(reference.Tag is null ? "@" : ":")}{identifier}";
        var operation = $"push manifest {digest} as {target}";
        try
        {
            await RetryAsync(
                operation,
                async ct =>
                {
                    var request = new RegistryRequest(HttpMethod.Put, _transport.BuildUri(reference.Registry, ManifestPath(reference, identifier)), reference, operation)
                    {
                        Actions = "pull,push",
                        Body = manifest,
                        ContentType = mediaType,
                    };
                    var response = await _transport.SendAsync(request, ct).ConfigureAwait(false);
                    if (!RegistryErrors.IsSuccess(response.StatusCode))
                    {
                        throw await _transport.ErrorAsync(response, request, ct).ConfigureAwait(false);
                    }

                    using (response)
                    {
                        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values)
                            && Digest.TryParse(values.FirstOrDefault(), out var answered)
                            && answered.Algorithm == digest.Algorithm
                            && answered != digest)
                        {
                            throw new RegistryException($"{operation}: the registry stored it as {answered}: it changed the manifest", reference.Registry, reference.Repository, (int)response.StatusCode);
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e) when (_options.PushIgnoreImmutableTagErrors && reference.Tag is not null && e.IsImmutableTagError)
        {
            Log.ImmutableTagIgnored(_logger, reference.ToString(), e.Message);
        }

        Log.ManifestPushed(_logger, digest.ToString(), target);
        return digest;
    }

    /// <summary>kaniko's check at start: open an upload session in the destination and cancel it.</summary>
    public Task CheckPushPermissionAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var operation = $"check push permission for {reference.RepositoryName}";
        return RetryAsync(
            operation,
            async ct =>
            {
                var (request, response) = await StartUploadAsync(reference, operation, null, ct).ConfigureAwait(false);
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
                    {
                        await CancelUploadAsync(reference, _transport.ResolveLocation(request.Uri, reference.Registry, location.OriginalString), ct).ConfigureAwait(false);
                    }
                }
            },
            cancellationToken);
    }

    private async Task PushBlobOnceAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, ImageReference? mountFrom, CancellationToken cancellationToken)
    {
        var target = repository.WithoutVersion();
        if (await BlobExistsOnceAsync(target, blob.Digest, "pull,push", cancellationToken).ConfigureAwait(false))
        {
            Log.BlobExists(_logger, blob.Digest.ToString(), target.RepositoryName);
            RememberBlobLocation(target, blob.Digest);
            return;
        }

        string? from = null;
        if (mountFrom is not null && mountFrom.Registry == target.Registry && mountFrom.Repository != target.Repository)
        {
            from = mountFrom.Repository;
        }
        else if (_blobLocations.TryGetValue((target.Registry, blob.Digest), out var known) && known != target.Repository)
        {
            from = known;
        }

        var operation = $"push blob {blob.Digest} to {target.RepositoryName}";
        var (start, response) = await StartUploadAsync(target, operation, from is null ? null : (blob.Digest, from), cancellationToken).ConfigureAwait(false);
        Uri location;
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Log.BlobMounted(_logger, blob.Digest.ToString(), target.RepositoryName, from ?? "?");
                RememberBlobLocation(target, blob.Digest);
                return;
            }

            location = UploadLocation(start, response, target, operation);
        }

        if (!_patchOnlyRegistries.ContainsKey(target.Registry))
        {
            var put = new RegistryRequest(HttpMethod.Put, RegistryTransport.AppendQuery(location, "digest", blob.Digest.ToString()), target, operation)
            {
                Actions = "pull,push",
                OpenBody = openContent,
                BodyLength = blob.Size,
                ContentType = "application/octet-stream",
            };
            var answer = await _transport.SendAsync(put, cancellationToken).ConfigureAwait(false);
            if (RegistryErrors.IsSuccess(answer.StatusCode))
            {
                answer.Dispose();
                RememberBlobLocation(target, blob.Digest);
                Log.BlobUploaded(_logger, blob.Digest.ToString(), blob.Size, target.RepositoryName);
                return;
            }

            var error = await _transport.ErrorAsync(answer, put, cancellationToken).ConfigureAwait(false);
            await CancelUploadAsync(target, location, cancellationToken).ConfigureAwait(false);
            if (!RefusesMonolithicUpload(error))
            {
                throw error;
            }

            // Some registries take the content only as PATCH: remember that, and upload again in a new session.
            Log.PatchUpload(_logger, target.Registry, error.StatusCode ?? 0);
            _patchOnlyRegistries[target.Registry] = true;
            var (restart, restartResponse) = await StartUploadAsync(target, operation, null, cancellationToken).ConfigureAwait(false);
            using (restartResponse)
            {
                location = UploadLocation(restart, restartResponse, target, operation);
            }
        }

        await PatchUploadAsync(target, blob, openContent, location, operation, cancellationToken).ConfigureAwait(false);
        RememberBlobLocation(target, blob.Digest);
        Log.BlobUploaded(_logger, blob.Digest.ToString(), blob.Size, target.RepositoryName);
    }

    /// <summary>A monolithic PUT refused as such (not because of the content), so PATCH then PUT may work.</summary>
    private static bool RefusesMonolithicUpload(RegistryException error) =>
        error.StatusCode is 405 or 411 or 416 or 501
        || (error.StatusCode == 400 && !error.ErrorCodes.Any(c => c is "DIGEST_INVALID" or "SIZE_INVALID" or "NAME_INVALID" or "DENIED"));

    /// <summary>The streamed upload: the whole content in one PATCH, then a PUT with the digest and no body.</summary>
    private async Task PatchUploadAsync(ImageReference target, Descriptor blob, Func<Stream> openContent, Uri location, string operation, CancellationToken cancellationToken)
    {
        var patch = new RegistryRequest(HttpMethod.Patch, location, target, operation)
        {
            Actions = "pull,push",
            OpenBody = openContent,
            BodyLength = blob.Size,
            ContentType = "application/octet-stream",
        };
        Uri next;
        using (var answer = await _transport.SendAsync(patch, cancellationToken).ConfigureAwait(false))
        {
            if (!RegistryErrors.IsSuccess(answer.StatusCode))
            {
                var error = await _transport.ErrorAsync(answer, patch, cancellationToken).ConfigureAwait(false);
                await CancelUploadAsync(target, location, cancellationToken).ConfigureAwait(false);
                throw error;
            }

            next = answer.Headers.Location is { } moved ? _transport.ResolveLocation(location, target.Registry, moved.OriginalString) : location;
        }

        var put = new RegistryRequest(HttpMethod.Put, RegistryTransport.AppendQuery(next, "digest", blob.Digest.ToString()), target, operation)
        {
            Actions = "pull,push",
        };
        var done = await _transport.SendAsync(put, cancellationToken).ConfigureAwait(false);
        if (!RegistryErrors.IsSuccess(done.StatusCode))
        {
            var error = await _transport.ErrorAsync(done, put, cancellationToken).ConfigureAwait(false);
            await CancelUploadAsync(target, next, cancellationToken).ConfigureAwait(false);
            throw error;
        }

        done.Dispose();
    }

    /// <summary>POSTs a new upload session (or a mount); returns the request and a 201 or 202 response.</summary>
    private async Task<(RegistryRequest Request, HttpResponseMessage Response)> StartUploadAsync(ImageReference repository, string operation, (Digest Digest, string From)? mount, CancellationToken cancellationToken)
    {
        var path = $"/v2/{repository.Repository}/blobs/uploads/";
        if (mount is { } m)
        {
            path += $"?mount={Uri.EscapeDataString(m.Digest.ToString())}&from={Uri.EscapeDataString(m.From)}";
        }

        var request = new RegistryRequest(HttpMethod.Post, _transport.BuildUri(repository.Registry, path), repository, operation)
        {
            Actions = "pull,push",
            ExtraScopes = mount is { } source ? [$"repository:{source.From}:pull"] : [],
        };
        var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Created))
        {
            throw await _transport.ErrorAsync(response, request, cancellationToken).ConfigureAwait(false);
        }

        return (request, response);
    }

    private Uri UploadLocation(RegistryRequest start, HttpResponseMessage response, ImageReference repository, string operation)
    {
        if (response.Headers.Location is not { } location)
        {
            throw new RegistryException($"{operation}: {repository.Registry} opened an upload without a Location header", repository.Registry, repository.Repository, (int)response.StatusCode);
        }

        return _transport.ResolveLocation(start.Uri, repository.Registry, location.OriginalString);
    }

    /// <summary>Best effort: cancels an upload session so the registry can drop its partial data.</summary>
    private async Task CancelUploadAsync(ImageReference repository, Uri location, CancellationToken cancellationToken)
    {
        try
        {
            var request = new RegistryRequest(HttpMethod.Delete, location, repository, $"cancel upload to {repository.RepositoryName}") { Actions = "pull,push" };
            using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException)
        {
            // The session expires on its own.
        }
    }
}
