using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// AWS Signature Version 4, written from AWS's documentation independently of the SDK: the local AWS
/// stand-ins recompute each signature they receive with it.
/// </summary>
public static partial class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public static string Authorization(
        string method, string path, string canonicalQuery, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body,
        string accessKeyId, string secretAccessKey, string region, string service, DateTimeOffset now)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var names = headers.Keys.Select(k => k.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var signedHeaders = string.Join(';', names);
        var canonicalHeaders = string.Concat(names.Select(n => $"{n}:{Spaces().Replace(headers[n].Trim(), " ")}\n"));
        var canonicalRequest = $"{method}\n{path}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{Hex(SHA256.HashData(body))}";
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(secretAccessKey, date, region, service), Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    /// <summary>The parts of an <c>Authorization</c> header: key id, date, region, service, signed header names.</summary>
    public static (string KeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders)? Parse(string authorization)
    {
        var match = AuthorizationRegex().Match(authorization);
        return match.Success
            ? (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value, match.Groups["signed"].Value.Split(';'))
            : null;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, ?SignedHeaders=(?<signed>[a-z0-9;-]+), ?Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationRegex();
}
