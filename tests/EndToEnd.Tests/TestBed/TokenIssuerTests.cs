using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class TokenIssuerTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task OAuth2_password_and_refresh_token_grants_give_tokens_the_registry_accepts()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        var issuer = registry.TokenIssuer!;
        using var http = new HttpClient();
        var scope = "repository:team/app:pull";

        using var password = await PostAsync(http, issuer.Realm, new()
        {
            ["grant_type"] = "password",
            ["username"] = registry.Username!,
            ["password"] = registry.Password!,
            ["service"] = registry.Options.Service,
            ["scope"] = scope,
            ["client_id"] = "kaniko-tests",
            ["access_type"] = "offline",
        });
        var refreshToken = password.RootElement.GetProperty("refresh_token").GetString()!;
        using var refreshed = await PostAsync(http, issuer.Realm, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["service"] = registry.Options.Service,
            ["scope"] = scope,
            ["client_id"] = "kaniko-tests",
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUri, "v2/team/app/tags/list"));
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Bearer", refreshed.RootElement.GetProperty("access_token").GetString());
        using var tags = await http.SendAsync(request, Ct);
        using var wrong = await http.PostAsync(
            issuer.Realm,
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = registry.Username!,
                ["password"] = "wrong",
                ["service"] = registry.Options.Service,
                ["scope"] = scope,
            }),
            Ct);

        Assert.Equal(scope, refreshed.RootElement.GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.NotFound, tags.StatusCode); // authorised; the repository is just empty
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(
            [(200, "password"), (200, "refresh_token"), (401, "password")],
            issuer.Requests.Select(r => (r.StatusCode, r.GrantType!)));
        Assert.True(issuer.Requests[1].UsedRefreshToken);
        Assert.True(issuer.Requests[1].Authenticated);
    }

    [Fact]
    public async Task Anonymous_get_is_granted_only_what_the_policy_allows_and_injected_failures_answer_first()
    {
        await using var registry = await RegistryServer.StartAsync(
            new RegistryServerOptions { Mode = RegistryAuthMode.Token, TokenPolicy = TokenPolicies.AnonymousPull }, Ct);
        var issuer = registry.TokenIssuer!;
        using var http = new HttpClient();
        var uri = new Uri($"{issuer.Realm}?service={registry.Options.Service}&scope=repository:lib/x:pull,push");

        issuer.FailNextRequests(1, 503);
        using var failed = await http.GetAsync(uri, Ct);
        using var anonymous = await http.GetAsync(uri, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var granted = issuer.Requests[1].GrantedScopes.Single();
        Assert.Equal(["pull"], granted.Actions);
        Assert.False(issuer.Requests[1].Authenticated);
    }

    private async Task<JsonDocument> PostAsync(HttpClient http, Uri realm, Dictionary<string, string> form)
    {
        using var response = await http.PostAsync(realm, new FormUrlEncodedContent(form), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
    }
}
