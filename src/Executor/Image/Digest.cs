using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Image;

/// <summary>A content digest such as <c>sha256:…</c>, validated once at the edge.</summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    public string Encoded { get; }

    public static Digest Parse(string text) =>
        TryParse(text, out var digest)
            ? digest
            : throw new FormatException($"'{text}' is not a valid digest (expected sha256:<64 lowercase hex digits>)");

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null)
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => -1,
        };
        if (expectedLength < 0 || encoded.Length != expectedLength || !encoded.All(IsLowerHex))
        {
            return false;
        }

        digest = new Digest(algorithm, encoded);
        return true;
    }

    public static Digest FromSha256Hash(ReadOnlySpan<byte> hash) =>
        new("sha256", Convert.ToHexStringLower(hash));

    public static Digest Sha256Of(ReadOnlySpan<byte> content) =>
        FromSha256Hash(SHA256.HashData(content));

    public static async Task<Digest> Sha256OfAsync(Stream content, CancellationToken cancellationToken) =>
        FromSha256Hash(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    /// <summary>A hasher matching this digest's algorithm, for verifying content as it streams.</summary>
    public IncrementalHash CreateHasher() => Algorithm switch
    {
        "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        "sha512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new InvalidOperationException("default(Digest) has no algorithm"),
    };

    public bool Matches(ReadOnlySpan<byte> hash) =>
        Convert.ToHexStringLower(hash).Equals(Encoded, StringComparison.Ordinal);

    public override string ToString() => $"{Algorithm}:{Encoded}";

    private static bool IsLowerHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f');
}

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Digest.TryParse(text, out var digest)
            ? digest
            : throw new JsonException($"'{text}' is not a valid digest");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
