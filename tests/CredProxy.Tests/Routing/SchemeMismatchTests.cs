using System.Net;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.TestKit;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Routing;

/// <summary>An http/https mismatch with a registry, or an untrusted certificate, is a 502 that names the setting to change.</summary>
public sealed class SchemeMismatchTests : IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartAsync(string host, bool insecure)
    {
        var environment = new Dictionary<string, string> { ["CREDPROXY_REGISTRY_1_HOST"] = host, ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false" };
        if (insecure)
        {
            environment["CREDPROXY_REGISTRY_1_INSECURE"] = "true";
        }

        var options = ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), environment, new Dictionary<string, string>(), _ => null);
        return ProxyServer.StartAsync(options, Ct);
    }

    private async Task<string> Assert502Async(ProxyServer proxy)
    {
        using var response = await proxy.Client.GetAsync("/v2/scheme/app/tags/list", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{(int)response.StatusCode} {response.Content.Headers} {text}\n{proxy.Logs.All}");
        using var json = JsonDocument.Parse(text);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
        return error.GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task Https_to_a_plain_http_registry_says_tls_and_names_the_insecure_setting()
    {
        await using var registry = await RegistryProcess.StartOpenAsync(Ct);
        await using var proxy = await StartAsync(registry.Host, insecure: false);
        var message = await Assert502Async(proxy);
        Assert.Contains("TLS problem", message, StringComparison.Ordinal);
        Assert.Contains("plain http", message, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_1_INSECURE", message, StringComparison.Ordinal);
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[102]", StringComparison.Ordinal) && l.Contains("CREDPROXY_REGISTRY_1_INSECURE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_docker_config_registry_that_speaks_plain_http_is_pointed_to_the_insecure_list()
    {
        await using var registry = await RegistryProcess.StartOpenAsync(Ct);
        var config = Path.Combine(Path.GetTempPath(), $"scheme-{Guid.NewGuid():N}.json");
        var environment = new Dictionary<string, string> { ["CREDPROXY_DOCKER_CONFIG"] = config, ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false" };
        var text = "{\"auths\":{\"" + registry.Host + "\":{\"auth\":\"dTpw\"}}}";
        var options = ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), environment, new Dictionary<string, string>(), path => path == config ? text : null);
        await using var proxy = await ProxyServer.StartAsync(options, Ct);
        var message = await Assert502Async(proxy);
        Assert.Contains($"set CREDPROXY_INSECURE_REGISTRIES={registry.Host} (http)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_to_a_tls_registry_says_scheme_and_names_the_insecure_setting()
    {
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true }, Ct);
        await using var proxy = await StartAsync(registry.Host, insecure: true);
        var message = await Assert502Async(proxy);
        Assert.Contains("scheme problem", message, StringComparison.Ordinal);
        Assert.Contains("unset CREDPROXY_REGISTRY_1_INSECURE", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_certificate_says_tls_and_names_the_skip_verify_setting()
    {
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true }, Ct);
        await using var proxy = await StartAsync(registry.Host, insecure: false);
        var message = await Assert502Async(proxy);
        Assert.Contains("certificate", message, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_1_SKIP_TLS_VERIFY=true", message, StringComparison.Ordinal);
    }
}
