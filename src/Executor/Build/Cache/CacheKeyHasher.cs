using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kaniko.Executor.Build.Cache;

/// <summary>
/// SHA-256 over a sequence of fields, each prefixed with its length, so that no two different field lists
/// hash the same bytes (<c>["ab", "c"]</c> and <c>["a", "bc"]</c> differ).
/// </summary>
internal sealed class CacheKeyHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public CacheKeyHasher Add(string field) => Add(Encoding.UTF8.GetBytes(field));

    public CacheKeyHasher Add(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return Add(bytes);
    }

    public CacheKeyHasher Add(ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(length, field.Length);
        _hash.AppendData(length);
        _hash.AppendData(field);
        return this;
    }

    /// <summary>The digest as 64 lower-case hex characters (a valid tag).</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
