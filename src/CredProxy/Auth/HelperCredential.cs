using System.Text.Json.Serialization;

namespace Kaniko.CredProxy.Auth;

/// <summary>A docker credential helper's answer to <c>get</c>.</summary>
internal sealed record HelperCredential
{
    [JsonPropertyName("ServerURL")]
    public string? ServerUrl { get; init; }

    [JsonPropertyName("Username")]
    public string? Username { get; init; }

    [JsonPropertyName("Secret")]
    public string? Secret { get; init; }

    public override string ToString() => "HelperCredential { [redacted] }";
}
