using System.Text;
using System.Text.Json;

namespace Kaniko.CredProxy.Configuration;

/// <summary>
/// Registries from a docker <c>config.json</c>: <c>auths</c> (base64 <c>auth</c> or username/password),
/// <c>credHelpers</c> and <c>credsStore</c>, whose helpers the proxy runs itself. They fill in credentials of
/// registries configured elsewhere, or add registries that are not.
/// </summary>
internal static class DockerConfigUpstreams
{
    public static IEnumerable<UpstreamDraft> Read(string path, string settingName, Func<string, string?> readFile, List<string> errors)
    {
        var text = readFile(path);
        if (text is null)
        {
            errors.Add($"{settingName}: cannot read '{path}'");
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            errors.Add($"{settingName}: '{path}' is not JSON");
            return [];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{settingName}: '{path}' is not a docker config.json (expected a JSON object with auths, credHelpers or credsStore)");
                return [];
            }

            foreach (var section in (string[])["auths", "credHelpers"])
            {
                if (root.TryGetProperty(section, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                {
                    errors.Add($"{settingName}: '{path}' {section} is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, expected an object of registry hosts");
                }
            }

            var drafts = new Dictionary<string, UpstreamDraft>(StringComparer.OrdinalIgnoreCase);
            var store = root.TryGetProperty("credsStore", out var storeElement) && storeElement.ValueKind == JsonValueKind.String ? storeElement.GetString() : null;
            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in auths.EnumerateObject())
                {
                    var draft = FromAuth(entry, path, store, errors);
                    if (draft is not null)
                    {
                        drafts[draft.Host!] = draft;
                    }
                }
            }

            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in helpers.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.String))
                {
                    var host = KnownRegistries.HostFromServerKey(entry.Name);
                    drafts[host] = Draft(path, $"credHelpers.{entry.Name}", host) with
                    {
                        CredentialHelper = entry.Value.GetString(),
                        CredentialHelperServer = entry.Name,
                    };
                }
            }

            return drafts.Values;
        }
    }

    private static UpstreamDraft? FromAuth(JsonProperty entry, string path, string? store, List<string> errors)
    {
        var host = KnownRegistries.HostFromServerKey(entry.Name);
        var draft = Draft(path, $"auths.{entry.Name}", host);
        var value = entry.Value;
        string? Field(string name) => value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var auth = Field("auth");
        if (Field("identitytoken") is { Length: > 0 } identityToken)
        {
            // An OAuth2 refresh token for the registry's token endpoint; the user is informational ("<token>" or ACR's zero GUID).
            var tokenUser = Field("username") is { Length: > 0 } named ? named : UserFromAuth(auth) ?? "<token>";
            return draft with { Username = tokenUser, IdentityToken = identityToken };
        }

        if (!string.IsNullOrEmpty(auth))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException)
            {
                errors.Add($"{path} auths.{entry.Name}.auth: not base64");
                return null;
            }

            var colon = decoded.IndexOf(':');
            if (colon <= 0)
            {
                errors.Add($"{path} auths.{entry.Name}.auth: not base64 of user:password");
                return null;
            }

            return draft with { Username = decoded[..colon], Password = decoded[(colon + 1)..] };
        }

        if (Field("username") is { Length: > 0 } user)
        {
            return draft with { Username = user, Password = Field("password") };
        }

        return store is null ? draft : draft with { CredentialHelper = store, CredentialHelperServer = entry.Name };
    }

    private static string? UserFromAuth(string? auth)
    {
        try
        {
            var decoded = string.IsNullOrEmpty(auth) ? null : Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            var colon = decoded?.IndexOf(':') ?? -1;
            return colon > 0 ? decoded![..colon] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static UpstreamDraft Draft(string path, string key, string host) => new()
    {
        SettingName = field => field switch
        {
            "Username" or "Password" => $"{path} {key}.auth",
            "IdentityToken" => $"{path} {key}.identitytoken",
            "CredentialHelper" => $"{path} {key}",
            // A docker config cannot say http: the proxy's list of plain-http registries can.
            "Insecure" => $"{EnvironmentUpstreams.InsecureRegistries}={host}",
            _ => $"{path} {key}",
        },
        Source = $"{path} {key}",
        Host = host,
        IsFallback = true,
    };
}
