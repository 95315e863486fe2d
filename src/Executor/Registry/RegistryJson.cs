using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Registry;

/// <summary>The registry's error body: <c>{"errors":[{"code":…,"message":…,"detail":…}]}</c>.</summary>
internal sealed record RegistryErrorBody(
    [property: JsonPropertyName("errors")] IReadOnlyList<RegistryErrorEntry>? Errors);

internal sealed record RegistryErrorEntry(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message)
{
    [JsonPropertyName("detail")]
    public JsonElement? Detail { get; init; }
}

/// <summary>A token endpoint's answer (Docker token spec; <c>access_token</c> is the OAuth2 spelling).</summary>
internal sealed record TokenAnswer(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("access_token")] string? AccessToken)
{
    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegistryErrorBody))]
[JsonSerializable(typeof(TokenAnswer))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
