using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Tokens;

namespace Kaniko.CredProxy.Auth;

/// <summary>Fetches bearer tokens from a realm (distribution token spec, GET with Basic credentials).</summary>
public sealed class TokenClient(HttpMessageInvoker http, TimeProvider time)
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    /// <summary>Client id sent with OAuth2 token requests (the distribution spec requires one).</summary>
    public const string ClientId = "credproxy";

    public async Task<BearerToken> FetchAsync(Uri realm, string? service, IReadOnlyList<Scope> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
        if (!string.IsNullOrEmpty(service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        foreach (var scope in scopes)
        {
            query.Append("scope=").Append(Uri.EscapeDataString(scope.ToString())).Append('&');
        }

        using var request = credential is { IsIdentityToken: true }
            ? RefreshTokenRequest(realm, service, scopes, credential)
            : new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') }.Uri);
        if (credential is { IsIdentityToken: false })
        {
            var raw = Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var issued = time.GetUtcNow();
        using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenException($"token endpoint {realm.Authority} answered {(int)response.StatusCode} for {Scope.Describe(scopes)}");
        }

        TokenResponse? body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            body = await JsonSerializer.DeserializeAsync(stream, ProxyJsonContext.Default.TokenResponse, timeout.Token).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            body = null;
        }

        var value = body?.Token ?? body?.AccessToken;
        if (string.IsNullOrEmpty(value))
        {
            throw new TokenException($"token endpoint {realm.Authority} sent no token for {Scope.Describe(scopes)}");
        }

        var lifetime = TimeSpan.FromSeconds(body!.ExpiresIn is > 0 ? body.ExpiresIn.Value : 60);
        // expires_in counts from issue; our own clock before the request is a safe start whatever the issuer's clock says.
        return new BearerToken(value, TokenCache.RefreshTime(issued, lifetime));
    }

    /// <summary>
    /// The OAuth2 variant of the token request for a docker config identity token: POST a form with
    /// <c>grant_type=refresh_token</c>, the token, service, space-separated scopes and a client id.
    /// </summary>
    private static HttpRequestMessage RefreshTokenRequest(Uri realm, string? service, IReadOnlyList<Scope> scopes, RegistryCredential credential)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", credential.Password),
            new("client_id", ClientId),
        };
        if (!string.IsNullOrEmpty(service))
        {
            form.Add(new("service", service));
        }

        if (scopes.Count > 0)
        {
            form.Add(new("scope", Scope.Describe(scopes)));
        }

        return new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
    }
}
