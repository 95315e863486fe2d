using System.Text.Json.Serialization;
using Kaniko.CredProxy.Auth;
using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(HelperCredential))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(SessionRequest))]
[JsonSerializable(typeof(OciErrorBody))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
