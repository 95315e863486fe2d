using System.Security.Cryptography;
using System.Text;

namespace Kaniko.CredProxy.Policy;

/// <summary>
/// The build's push capability: handed out once, to the first claim of <c>POST /_kaniko/session</c>;
/// write requests must present it in <c>Kaniko-Push-Token</c>. The claim may declare the repositories the
/// build pushes to; pushes with the capability then go to those only.
/// </summary>
public sealed class PushCapability
{
    public const string HeaderName = "Kaniko-Push-Token";

    private Grant? _grant;

    /// <summary>Returns the new token for the first claim, null for every later one.</summary>
    /// <param name="declaration">The repositories the claimant will push to; null when it declared none (older clients).</param>
    public string? TryClaim(PushDeclaration? declaration)
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var encoded = Base64Url(bytes);
        var grant = new Grant(Encoding.ASCII.GetBytes(encoded), declaration);
        return Interlocked.CompareExchange(ref _grant, grant, null) is null ? encoded : null;
    }

    public bool IsClaimed => Volatile.Read(ref _grant) is not null;

    /// <summary>What the claim declared; null before the claim or when the claim declared nothing.</summary>
    public PushDeclaration? Declaration => Volatile.Read(ref _grant)?.Declaration;

    public bool Verify(string? presented)
    {
        var grant = Volatile.Read(ref _grant);
        if (grant is null || string.IsNullOrEmpty(presented) || presented.Length > 256)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(grant.Token, Encoding.ASCII.GetBytes(presented));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Grant(byte[] Token, PushDeclaration? Declaration);
}
