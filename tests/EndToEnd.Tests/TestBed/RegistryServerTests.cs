using System.Net;
using System.Net.Http.Headers;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class RegistryServerTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Plain_registry_answers_v2_without_credentials()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(registry.BaseUri, "v2/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("127.0.0.1:", registry.Host, StringComparison.Ordinal);
        Assert.Null(registry.Credentials);
    }

    [Fact]
    public async Task Htpasswd_registry_refuses_missing_and_wrong_credentials()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);
        using var http = new HttpClient();
        var v2 = new Uri(registry.BaseUri, "v2/");

        using var anonymous = await http.GetAsync(v2, Ct);
        using var wrong = await SendAsync(http, v2, new RegistryCredentials(registry.Username!, "wrong"));
        using var right = await SendAsync(http, v2, registry.Credentials!);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Token_registry_challenges_with_the_issuer_realm_and_accepts_its_tokens()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        using var http = new HttpClient();
        var v2 = new Uri(registry.BaseUri, "v2/");

        using var anonymous = await http.GetAsync(v2, Ct);
        var challenge = anonymous.Headers.WwwAuthenticate.Single();
        var token = registry.TokenIssuer!.CreateToken(registry.Username, registry.Options.Service, []);
        using var request = new HttpRequestMessage(HttpMethod.Get, v2);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var withToken = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains($"realm=\"{registry.TokenIssuer.Realm}\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task Token_registry_refuses_a_token_for_another_audience()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        using var http = new HttpClient();
        var token = registry.TokenIssuer!.CreateToken(registry.Username, "some-other-service", []);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUri, "v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tls_registry_is_trusted_through_its_certificate_file_only()
    {
        await using var registry = await RegistryServer.StartAsync(
            new RegistryServerOptions { Mode = RegistryAuthMode.Htpasswd, Tls = true }, Ct);
        var reference = await BaseImages.PushBusyboxAsync(registry, "busybox", "1", ImageFormat.Oci, Ct);
        using var http = registry.CreateHttpClient();
        string[] verifyingInspect = ["inspect", "--creds", registry.Credentials!.ToColonForm(), "docker://" + reference];

        using var v2 = await http.GetAsync(new Uri(registry.BaseUri, "v2/"), Ct);
        var trusted = await ProcessRunner.RunAsync(
            "skopeo", verifyingInspect, new ProcessOptions { Environment = registry.TrustEnvironment }, Ct);
        var untrusted = await ProcessRunner.RunAsync(
            "skopeo", verifyingInspect, new ProcessOptions { CheckExitCode = false }, Ct);

        Assert.Equal("https", registry.BaseUri.Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, v2.StatusCode);
        Assert.Contains("\"Architecture\": \"amd64\"", trusted.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("certificate", untrusted.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_registry_refuses_a_token_signed_for_another_registry()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        await using var other = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        using var http = new HttpClient();
        var foreign = other.TokenIssuer!.CreateToken(other.Username, registry.Options.Service, []);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUri, "v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", foreign);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Access_log_records_requests_and_additional_users_are_accepted()
    {
        await using var registry = await RegistryServer.StartAsync(
            new RegistryServerOptions
            {
                Mode = RegistryAuthMode.Htpasswd,
                AccessLog = true,
                AdditionalUsers = new Dictionary<string, string> { ["reader"] = "secret" },
            },
            Ct);
        using var http = new HttpClient();
        var v2 = new Uri(registry.BaseUri, "v2/");

        using var asReader = await SendAsync(http, v2, new RegistryCredentials("reader", "secret"));
        using var asMain = await SendAsync(http, v2, registry.Credentials!);
        IReadOnlyList<RegistryRequest> requests = [];
        for (var i = 0; i < 100 && requests.Count < 2; i++)
        {
            await Task.Delay(20, Ct);
            requests = registry.Requests;
        }

        Assert.Equal(HttpStatusCode.OK, asReader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asMain.StatusCode);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(("GET", "/v2/", 200), (r.Method, r.Path, r.StatusCode)));
    }

    private Task<HttpResponseMessage> SendAsync(HttpClient http, Uri uri, RegistryCredentials credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.ToBasicParameter());
        return http.SendAsync(request, Ct);
    }
}
