using System.Security.Cryptography;
using System.Text;

namespace Kaniko.CredProxy.Policy;

/// <summary>
/// The build's push capability: handed out once, to the first claim of <c>POST /_kaniko/session</c>;
/// write requests must present it in <c>Kaniko-Push-Token</c>.
/// </summary>
public sealed class PushCapability
{
    public const string HeaderName = "Kaniko-Push-Token";

    private byte[]? _token;

    /// <summary>Returns the new token for the first claim, null for every later one.</summary>
    public string? TryClaim()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var encoded = Base64Url(bytes);
        var tokenBytes = Encoding.ASCII.GetBytes(encoded);
        return Interlocked.CompareExchange(ref _token, tokenBytes, null) is null ? encoded : null;
    }

    public bool IsClaimed => Volatile.Read(ref _token) is not null;

    public bool Verify(string? presented)
    {
        var token = Volatile.Read(ref _token);
        if (token is null || string.IsNullOrEmpty(presented) || presented.Length > 256)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(token, Encoding.ASCII.GetBytes(presented));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
