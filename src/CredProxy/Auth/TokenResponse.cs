using System.Text.Json.Serialization;

namespace Kaniko.CredProxy.Auth;

/// <summary>A token endpoint's answer (distribution token spec; <c>access_token</c> is the OAuth2 spelling).</summary>
internal sealed record TokenResponse
{
    [JsonPropertyName("token")]
    public string? Token { get; init; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; init; }

    public override string ToString() => "TokenResponse { [redacted] }";
}
