using System.Net.Http.Headers;
using System.Text;

namespace Kaniko.CredProxy.Auth;

public enum ChallengeScheme
{
    None,
    Basic,
    Bearer,
}

/// <summary>A registry's <c>WWW-Authenticate</c> challenge, parsed once.</summary>
public sealed record Challenge(ChallengeScheme Scheme, string? Realm, string? Service, string? Scope)
{
    public static readonly Challenge NoAuth = new(ChallengeScheme.None, null, null, null);

    /// <summary>Picks Bearer over Basic when a response offers both; null when there is no usable challenge.</summary>
    public static Challenge? FromHeaders(HttpHeaderValueCollection<AuthenticationHeaderValue> values)
    {
        Challenge? basic = null;
        foreach (var value in values)
        {
            if (string.Equals(value.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                var parameters = ParseParameters(value.Parameter);
                var realm = parameters.GetValueOrDefault("realm");
                if (!string.IsNullOrEmpty(realm))
                {
                    return new Challenge(ChallengeScheme.Bearer, realm, parameters.GetValueOrDefault("service"), parameters.GetValueOrDefault("scope"));
                }
            }
            else if (string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
            {
                basic = new Challenge(ChallengeScheme.Basic, ParseParameters(value.Parameter).GetValueOrDefault("realm"), null, null);
            }
        }

        return basic;
    }

    /// <summary>Parses <c>k="v",k2=v2</c>; quoted values may hold commas and escaped quotes.</summary>
    public static Dictionary<string, string> ParseParameters(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = text[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            if (key.Length > 0)
            {
                result[key] = value.ToString().Trim();
            }
        }

        return result;
    }
}
