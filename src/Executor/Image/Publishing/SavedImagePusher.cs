using Kaniko.Executor.Build;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Image.Outputs;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Image.Publishing;

/// <summary>Pushes an image saved by an earlier build (OCI layout or docker-save tarball) to its destinations.</summary>
public static class SavedImagePusher
{
    public static async Task<Digest> PushAsync(PushOptions options, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        var destinations = options.Destinations
            .Select(d => ImageReference.TryParse(d, out var reference) && reference is not null
                ? reference
                : throw new UsageException($"--destination '{d}' is not a valid image reference (e.g. registry.example.com/group/app:1.0)"))
            .ToList();

        string? pushToken = null;
        if (options.RegistryProxy is not null)
        {
            pushToken = await PushCapabilityClient.ClaimAsync(options.RegistryProxy, destinations, cancellationToken).ConfigureAwait(false);
        }

        var work = Path.Combine(Path.GetTempPath(), $"kaniko-push-{Guid.NewGuid():N}");
        try
        {
            ImageContent image;
            if (Directory.Exists(options.Source))
            {
                image = await OciLayout.ReadAsync(options.Source, refName: null, platform: null, cancellationToken).ConfigureAwait(false);
            }
            else if (File.Exists(options.Source))
            {
                Directory.CreateDirectory(work);
                (image, _) = await DockerArchive.ReadAsync(options.Source, work, repoTag: null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                throw new UsageException($"{options.Source} is neither an OCI layout directory nor a tarball");
            }

            using var client = new RegistryClient(
                new RegistryClientOptions
                {
                    AllInsecure = options.Insecure,
                    InsecureRegistries = options.InsecureRegistries,
                    SkipTlsVerify = options.SkipTlsVerify,
                    RegistryProxy = options.RegistryProxy,
                    PushToken = pushToken,
                },
                logger);
            var digest = await client.PushImageAsync(image, destinations, cancellationToken).ConfigureAwait(false);
            if (options.DigestFile is { } digestFile)
            {
                await AtomicFile.WriteAsync(digestFile, digest.ToString(), cancellationToken).ConfigureAwait(false);
            }

            return digest;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
