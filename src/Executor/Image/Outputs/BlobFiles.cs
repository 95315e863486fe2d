using System.Security.Cryptography;

namespace Kaniko.Executor.Image.Outputs;

/// <summary>Content-addressed files: written to a temporary name while hashed, checked, then renamed.</summary>
internal static class BlobFiles
{
    /// <summary>Copies <paramref name="content"/> to <paramref name="path"/>, failing (and leaving nothing) if size or digest differ from <paramref name="blob"/>.</summary>
    public static async Task WriteVerifiedAsync(Stream content, string path, Descriptor blob, string what, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using var hasher = blob.Digest.CreateHasher();
            long size = 0;
            var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (target.ConfigureAwait(false))
            {
                var buffer = new byte[1 << 20];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hasher.AppendData(buffer, 0, n);
                    size += n;
                    await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }

            var hash = hasher.GetHashAndReset();
            if (size != blob.Size || !blob.Digest.Matches(hash))
            {
                throw new InvalidDataException($"{what} {blob.Digest}: got {size} bytes with digest {blob.Digest.Algorithm}:{Convert.ToHexStringLower(hash)}, expected {blob.Size} bytes");
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a small file whole and checks it against its descriptor.</summary>
    public static async Task<byte[]> ReadVerifiedAsync(string path, Descriptor blob, string what, long limit, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidDataException($"{what} {blob.Digest} is missing ({path})");
        }

        if (info.Length != blob.Size || info.Length > limit)
        {
            throw new InvalidDataException($"{what} {blob.Digest} is {info.Length} bytes, expected {blob.Size} ({path})");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var hash = blob.Digest.Algorithm == "sha512" ? SHA512.HashData(bytes) : SHA256.HashData(bytes);
        if (!blob.Digest.Matches(hash))
        {
            throw new InvalidDataException($"{what} {blob.Digest} is corrupt: its content does not match its digest ({path})");
        }

        return bytes;
    }
}
