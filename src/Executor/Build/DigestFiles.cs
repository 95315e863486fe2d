using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build;

/// <summary>kaniko's --digest-file, --image-name-with-digest-file and --image-name-tag-with-digest-file, each written atomically.</summary>
public static class DigestFiles
{
    public static async Task WriteAsync(
        Digest digest, IReadOnlyList<ImageReference> destinations, string? digestFile, string? nameFile, string? tagFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        if (digestFile is not null)
        {
            await AtomicFile.WriteAsync(digestFile, digest.ToString(), cancellationToken).ConfigureAwait(false);
        }

        if (nameFile is not null)
        {
            var lines = destinations.Select(d => $"{d.RepositoryName}@{digest}\n");
            await AtomicFile.WriteAsync(nameFile, string.Concat(lines), cancellationToken).ConfigureAwait(false);
        }

        if (tagFile is not null)
        {
            var lines = destinations.Select(d => $"{d.RepositoryName}:{d.Tag ?? ImageReference.DefaultTag}@{digest}\n");
            await AtomicFile.WriteAsync(tagFile, string.Concat(lines), cancellationToken).ConfigureAwait(false);
        }
    }
}
