using Kaniko.Executor.Build;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Image.Assembly;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Image.Publishing;

/// <summary>
/// <c>executor index</c>: reads the source images (each an image manifest, whose platform comes from its config,
/// or an index, whose manifests all join), makes every listed manifest available in each destination repository
/// (mounted within a registry, streamed across registries), then pushes the index under each destination tag.
/// The index is pushed only after every manifest it names is in place, so a failure leaves no tag behind.
/// </summary>
public static class IndexPusher
{
    public static async Task<Digest> PushAsync(IndexOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var destinations = options.Destinations.Select(ParseDestination).ToList();
        if (destinations.Count == 0)
        {
            throw new UsageException("no --destination given: name the tag to push the index to, e.g. --destination registry.example.com/app:1");
        }

        var sources = options.Sources.Select(s => ImageReference.TryParse(s, out var reference) && reference is not null
            ? reference
            : throw new UsageException($"source '{s}' is not a valid image reference (e.g. registry.example.com/app:1-amd64)")).ToList();
        if (sources.Count == 0)
        {
            throw new UsageException("no source image given: name the images pushed for each platform, e.g. executor index --destination reg/app:1 reg/app:1-amd64 reg/app:1-arm64");
        }

        string? pushToken = null;
        if (options.RegistryProxy is not null)
        {
            pushToken = await PushCapabilityClient.ClaimAsync(options.RegistryProxy, destinations, cancellationToken).ConfigureAwait(false);
        }

        using var client = new RegistryClient(
            new RegistryClientOptions
            {
                AllInsecure = options.Insecure || options.InsecurePull,
                InsecureRegistries = options.InsecureRegistries,
                SkipTlsVerify = options.SkipTlsVerify,
                RegistryProxy = options.RegistryProxy,
                PushToken = pushToken,
                PushIgnoreImmutableTagErrors = options.PushIgnoreImmutableTagErrors,
                Retries = Math.Max(3, Math.Max(options.PushRetry, options.ImageDownloadRetry)),
            },
            logger);
        var repositories = destinations.Select(d => d.WithoutVersion()).Distinct().ToList();
        if (!options.SkipPushPermissionCheck)
        {
            foreach (var repository in repositories)
            {
                await client.CheckPushPermissionAsync(repository, cancellationToken).ConfigureAwait(false);
            }
        }

        var members = new List<Member>();
        foreach (var source in sources)
        {
            members.AddRange(await ReadSourceAsync(client, source, cancellationToken).ConfigureAwait(false));
        }

        var index = IndexAssembler.Assemble(members.Select(m => m.Entry).ToList(), options.ImageFormat, options.Annotations);
        var listed = members.DistinctBy(m => m.Manifest.Digest).ToList();
        foreach (var member in listed)
        {
            Log.IndexMember(logger, member.Entry.Source, member.Manifest.Digest.ToString(), member.Entry.Descriptor.Platform is { } p ? IndexAssembler.Describe(p) : "no platform");
        }

        foreach (var repository in repositories)
        {
            foreach (var member in listed)
            {
                await client.CopyManifestAsync(member.Repository, member.Manifest, repository, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var destination in destinations)
        {
            await client.PushManifestAsync(destination, index.Bytes, index.MediaType, cancellationToken).ConfigureAwait(false);
            Log.IndexPushed(logger, destination.ToString(), index.Digest.ToString(), index.MediaType, index.Manifests.Count);
        }

        await DigestFiles.WriteAsync(index.Digest, destinations, options.DigestFile, options.ImageNameWithDigestFile, options.ImageNameTagWithDigestFile, cancellationToken).ConfigureAwait(false);
        return index.Digest;
    }

    /// <summary>The manifests a source contributes: itself (platform from its config), or every manifest of an index.</summary>
    private static async Task<List<Member>> ReadSourceAsync(RegistryClient client, ImageReference source, CancellationToken cancellationToken)
    {
        var pulled = await client.GetManifestAsync(source, cancellationToken).ConfigureAwait(false);
        var repository = source.WithoutVersion();
        if (MediaTypes.IsImageManifest(pulled.MediaType))
        {
            var platform = await PlatformOfAsync(client, source, pulled, cancellationToken).ConfigureAwait(false);
            var descriptor = new Descriptor(pulled.MediaType, pulled.Digest, pulled.Bytes.Length) { Platform = platform };
            return [new Member(repository, pulled, new IndexEntry(source.ToString(), descriptor))];
        }

        if (!MediaTypes.IsIndex(pulled.MediaType))
        {
            var hint = MediaTypes.IsSchema1(pulled.MediaType) ? ": re-push it with a current tool (e.g. skopeo copy --format v2s2)" : string.Empty;
            throw new RegistryException($"{source} is a {pulled.MediaType}, not an image manifest or index{hint}", source.Registry, source.Repository);
        }

        var index = ImageJson.Deserialize(pulled.Bytes.Span, ImageJsonContext.Default.ImageIndex, $"index of {source}");
        var members = new List<Member>();
        foreach (var child in index.Manifests ?? [])
        {
            if (MediaTypes.IsIndex(child.MediaType))
            {
                throw new RegistryException($"{source} lists another index ({child.Digest}): nested indexes are not supported; name its images directly", source.Registry, source.Repository);
            }

            var childReference = source.WithDigest(child.Digest);
            var manifest = await client.GetManifestAsync(childReference, cancellationToken).ConfigureAwait(false);
            if (manifest.Bytes.Length != child.Size)
            {
                throw new RegistryException($"manifest {child.Digest} of {source} is {manifest.Bytes.Length} bytes but the index says {child.Size}", source.Registry, source.Repository);
            }

            var platform = child.Platform ?? await PlatformOfAsync(client, childReference, manifest, cancellationToken).ConfigureAwait(false);
            var descriptor = child with { MediaType = manifest.MediaType, Platform = platform };
            members.Add(new Member(repository, manifest, new IndexEntry($"{source} ({IndexAssembler.Describe(platform)})", descriptor)));
        }

        return members;
    }

    private static async Task<Platform> PlatformOfAsync(RegistryClient client, ImageReference reference, PulledManifest pulled, CancellationToken cancellationToken)
    {
        var manifest = ImageJson.Deserialize(pulled.Bytes.Span, ImageJsonContext.Default.ImageManifest, $"manifest of {reference}");
        if (manifest.Config is null)
        {
            throw new RegistryException($"manifest {pulled.Digest} of {reference} has no config, so its platform is unknown", reference.Registry, reference.Repository);
        }

        var config = await client.GetConfigAsync(reference, manifest.Config, cancellationToken).ConfigureAwait(false);
        return new Platform(config.Architecture, config.Os) { Variant = config.Variant, OsVersion = config.OsVersion };
    }

    private static ImageReference ParseDestination(string text)
    {
        if (!ImageReference.TryParse(text, out var reference) || reference is null)
        {
            throw new UsageException($"--destination '{text}' is not a valid image reference (e.g. registry.example.com/group/app:1.0)");
        }

        return reference.Digest is null
            ? reference
            : throw new UsageException($"--destination '{text}' has a digest: an index is pushed under a tag (its digest is known only once it is assembled)");
    }

    /// <summary>A manifest to list, the repository it is in, and its index entry.</summary>
    private sealed record Member(ImageReference Repository, PulledManifest Manifest, IndexEntry Entry);
}
