using System.Net;
using System.Text;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

public sealed class RegistryErrorsTests
{
    private static readonly RegistryRequest _request = new(
        HttpMethod.Get,
        new Uri("http://127.0.0.1:5050/v2/team/app/manifests/1?ns=registry.example.com"),
        ImageReference.Parse("registry.example.com/team/app:1"),
        "get manifest registry.example.com/team/app:1");

    private static async Task<string> MessageAsync(HttpStatusCode status, string body, bool viaProxy)
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var error = await RegistryErrors.FromResponseAsync(response, _request, viaProxy, hasCredentials: false, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), CancellationToken.None);
        return error.Message;
    }

    [Fact]
    public async Task A_bad_gateway_from_the_proxy_points_at_the_proxy_s_settings_not_at_retrying()
    {
        var message = await MessageAsync(
            HttpStatusCode.BadGateway,
            """{"errors":[{"code":"UNAVAILABLE","message":"TLS problem: no TLS handshake with https://registry.example.com; if the registry speaks plain http, set CREDPROXY_INSECURE_REGISTRIES=registry.example.com (http)"}]}""",
            viaProxy: true);
        Assert.Contains("CREDPROXY_INSECURE_REGISTRIES=registry.example.com", message, StringComparison.Ordinal);
        Assert.Contains("the proxy's message", message, StringComparison.Ordinal);
        Assert.DoesNotContain("try again later", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_error_of_the_registry_itself_suggests_trying_again()
    {
        var message = await MessageAsync(HttpStatusCode.InternalServerError, """{"errors":[{"code":"UNKNOWN","message":"boom"}]}""", viaProxy: false);
        Assert.Contains("try again later", message, StringComparison.Ordinal);
    }
}
