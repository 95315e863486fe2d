using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;

namespace Kaniko.CredProxy.Tests.Policy;

/// <summary>
/// The push allow-list by default: the repositories the build declares when it claims the push capability,
/// intersected with the configured allow-list. Tested end to end against a real registry.
/// </summary>
public sealed class PushDeclarationTests(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    private string Host => fixture.Registry.Host;

    public void Dispose() => _cts.Dispose();

    private static RepositoryPattern Pattern(string text) => RepositoryPattern.TryParse(text, out var p) ? p! : throw new ArgumentException(text);

    private Task<ProxyServer> StartAsync(IReadOnlyList<RepositoryPattern>? push = null, bool requireToken = true) =>
        ProxyServer.StartAsync(
            new ProxyOptions
            {
                Upstreams = [ProxyServer.Upstream(fixture.Registry, HtpasswdRegistryFixture.User, HtpasswdRegistryFixture.Password) with { Push = push }],
                RequirePushToken = requireToken,
            },
            Ct);

    private async Task<HttpResponseMessage> ClaimAsync(ProxyServer proxy, string? json) =>
        await proxy.Client.PostAsync("/_kaniko/session", json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);

    private async Task<string> ClaimTokenAsync(ProxyServer proxy, string? json)
    {
        using var response = await ClaimAsync(proxy, json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pushToken").GetString()!;
        TestSecrets.Add(token);
        return token;
    }

    [Fact]
    public async Task Pushes_with_the_token_go_only_to_the_declared_repositories()
    {
        await using var proxy = await StartAsync();
        var token = await ClaimTokenAsync(proxy, $$"""{"push":["{{Host}}/team/app","{{Host}}/team/app-cache"]}""");
        var writer = new OciClient(proxy.Client, null, token);
        var digest = await writer.PushBlobAsync("team/app", [1, 2, 3], Ct);
        await writer.PushBlobAsync("team/app-cache", [4, 5], Ct);

        // Another repository, with the right token: refused before anything reaches the registry, and logged.
        using (var other = await writer.StartUploadAsync("team/other", Ct))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(other, "the build declared only");
        }

        using (var put = writer.Request(HttpMethod.Put, "/v2/team/app/sub/manifests/v1"))
        {
            put.Content = new ByteArrayContent("{}"u8.ToArray());
            using var response = await proxy.Client.SendAsync(put, Ct);
            await HtpasswdProxyTests.AssertDeniedAsync(response, $"pushing to {Host}/team/app/sub");
        }

        // Mounting into a declared repository from one that may be pulled still works.
        using (var mount = await writer.StartUploadAsync("team/app-cache", Ct, $"mount={digest}&from=team/app"))
        {
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        }

        Assert.Equal(2, proxy.Logs.Lines.Count(l => l.Contains("[100]", StringComparison.Ordinal) && l.Contains("declared only", StringComparison.Ordinal)));
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[110]", StringComparison.Ordinal) && l.Contains($"{Host}/team/app", StringComparison.Ordinal));
        Assert.DoesNotContain(token, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declaration_outside_the_configured_allow_list_is_refused_and_hands_out_nothing()
    {
        await using var proxy = await StartAsync(push: [Pattern("team/app"), Pattern("team/app/*")]);
        using (var refused = await ClaimAsync(proxy, $$"""{"push":["{{Host}}/team/app","{{Host}}/team/other"]}"""))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(refused, $"'{Host}/team/other' is outside the push allow-list of registry {Host}");
        }

        using (var unknown = await ClaimAsync(proxy, """{"push":["elsewhere.example.com/team/app"]}"""))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(unknown, "registry elsewhere.example.com is not configured");
        }

        Assert.Equal(2, proxy.Logs.Lines.Count(l => l.Contains("[113]", StringComparison.Ordinal)));

        // The refused claims consumed nothing: the build's own (valid) claim still gets the capability.
        var token = await ClaimTokenAsync(proxy, $$"""{"push":["{{Host}}/team/app/sub"]}""");
        await new OciClient(proxy.Client, null, token).PushBlobAsync("team/app/sub", [7], Ct);
        using var configuredButUndeclared = await new OciClient(proxy.Client, null, token).StartUploadAsync("team/app", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(configuredButUndeclared, "declared only");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"other":1}""")]
    [InlineData("""{"push":"team/app"}""")]
    [InlineData("""{"push":["team"]}""")]
    [InlineData("""{"push":["REG/Team/App"]}""")]
    public async Task Malformed_declarations_are_answered_400(string body)
    {
        await using var proxy = await StartAsync();
        using var response = await ClaimAsync(proxy, body);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, response.StatusCode.ToString());
        Assert.Contains("push session refused", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await ClaimTokenAsync(proxy, null);
    }

    [Fact]
    public async Task An_oversized_declaration_is_refused()
    {
        await using var proxy = await StartAsync();
        var names = string.Join(',', Enumerable.Range(0, 5000).Select(i => $"\"{Host}/team/app{i}\""));
        using var response = await ClaimAsync(proxy, $$"""{"push":[{{names}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_claim_without_declaration_keeps_the_configured_allow_list_and_is_logged()
    {
        await using var proxy = await StartAsync(push: [Pattern("team/*")]);
        var token = await ClaimTokenAsync(proxy, null);
        var writer = new OciClient(proxy.Client, null, token);
        await writer.PushBlobAsync("team/one", [1], Ct);
        await writer.PushBlobAsync("team/two", [2], Ct);
        using var outside = await writer.StartUploadAsync("other/one", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(outside, "push allow-list");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[114]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_push_token_requirement_declarations_are_not_enforced()
    {
        await using var proxy = await StartAsync(push: [Pattern("team/*")], requireToken: false);
        await ClaimTokenAsync(proxy, $$"""{"push":["{{Host}}/team/one"]}""");
        var anyone = new OciClient(proxy.Client, null, null);
        await anyone.PushBlobAsync("team/two", [3], Ct);
        using var outside = await anyone.StartUploadAsync("other/one", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(outside, "push allow-list");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[501]", StringComparison.Ordinal) || l.Contains("[502]", StringComparison.Ordinal));
    }
}
