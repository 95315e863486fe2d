namespace Kaniko.CredProxy.Configuration;

/// <summary>A username and secret for one upstream. Never printed: <see cref="ToString"/> redacts.</summary>
/// <param name="isIdentityToken">
/// The secret is a docker config <c>identitytoken</c>: an OAuth2 refresh token, sent to the registry's token
/// endpoint (POST, <c>grant_type=refresh_token</c>) instead of Basic credentials.
/// </param>
public sealed class RegistryCredential(string username, string password, bool isIdentityToken = false)
{
    public string Username { get; } = username;

    public string Password { get; } = password;

    public bool IsIdentityToken { get; } = isIdentityToken;

    public override string ToString() => $"{Username}:[redacted]";
}
