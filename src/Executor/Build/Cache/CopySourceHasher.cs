using System.Security.Cryptography;
using Kaniko.Executor.Build.Handlers;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Build.Cache;

/// <summary>
/// What a COPY or ADD reads, as one digest for its cache key: for each source pattern the paths it matches (as
/// the copy finds them, .dockerignore applied), and for every file, directory and link below them the
/// relative name, type, permission bits, owner, size, content (files) or target (links). Modification times
/// are left out, as kaniko and BuildKit do: a fresh checkout of the same files keeps its cache.
/// </summary>
internal static class CopySourceHasher
{
    public static string Hash(CopyInstruction copy, CopySource source, Func<string, string, bool> globMatch, CancellationToken cancellationToken)
    {
        using var hasher = new CacheKeyHasher();
        hasher.Add(copy.Heredocs.Count);
        foreach (var heredoc in copy.Heredocs)
        {
            hasher.Add(heredoc.Name).Add(heredoc.Content);
        }

        if (copy.Heredocs.Count > 0)
        {
            // Heredoc sources are the whole input; the copy reads nothing else.
            return hasher.Finish();
        }

        hasher.Add(source.Description);
        foreach (var pattern in copy.Sources)
        {
            var matches = CopyHandler.FindSources(source, pattern, globMatch);
            hasher.Add(pattern).Add(matches.Count);
            foreach (var match in matches)
            {
                // The copy follows a link that is named directly (inside the source), so hash what it leads to.
                var host = source.Resolve(match, followFinalSymlink: true);
                hasher.Add(match);
                if (AddEntry(hasher, host, cancellationToken) is { IsDirectory: true })
                {
                    AddTree(hasher, source, match, host, cancellationToken);
                }
            }
        }

        return hasher.Finish();
    }

    private static void AddTree(CacheKeyHasher hasher, CopySource source, string relativeRoot, string hostDirectory, CancellationToken cancellationToken)
    {
        var names = Directory.EnumerateFileSystemEntries(hostDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = relativeRoot.TrimEnd('/') + "/" + name;
            if (source.IsExcluded(relative.TrimStart('/')))
            {
                continue;
            }

            var host = Path.Combine(hostDirectory, name);
            hasher.Add(name);
            if (AddEntry(hasher, host, cancellationToken) is { IsDirectory: true })
            {
                hasher.Add("{");
                AddTree(hasher, source, relative, host, cancellationToken);
                hasher.Add("}");
            }
        }
    }

    /// <summary>Adds one entry (not following a final link); returns its status, or null when it is missing.</summary>
    private static FileStatus? AddEntry(CacheKeyHasher hasher, string hostPath, CancellationToken cancellationToken)
    {
        if (!Posix.TryLStat(hostPath, out var status))
        {
            hasher.Add("missing");
            return null;
        }

        hasher.Add(status.Mode).Add(status.Uid).Add(status.Gid);
        if (status.IsRegular)
        {
            hasher.Add(status.Size).Add(ContentDigest(hostPath, cancellationToken));
        }
        else if (status.IsSymlink)
        {
            hasher.Add(Posix.ReadLink(hostPath));
        }

        return status;
    }

    private static byte[] ContentDigest(string hostPath, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return hash.GetHashAndReset();
    }
}
