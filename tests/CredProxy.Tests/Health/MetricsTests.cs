using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Hosting;
using Kaniko.CredProxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kaniko.CredProxy.Tests.Health;

/// <summary>Prometheus metrics at <c>/metrics</c>, scraped after real pushes and pulls through the proxy.</summary>
public sealed class MetricsTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    private string Host => fixture.Registry.Host;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartAsync(string? metricsListen = null) =>
        ProxyServer.StartAsync(
            new ProxyOptions
            {
                Upstreams = [ProxyServer.Upstream(fixture.Registry, TokenRegistryFixture.User, TokenRegistryFixture.Password)],
                MetricsListen = metricsListen,
            },
            Ct);

    [Fact]
    public async Task A_scrape_after_a_push_shows_requests_bytes_latency_token_fetches_and_denials_without_secrets()
    {
        await using var proxy = await StartAsync();
        using var claim = await proxy.Client.PostAsync("/_kaniko/session", new StringContent($$"""{"push":["{{Host}}/metrics/app"]}""", Encoding.UTF8, "application/json"), Ct);
        var token = (await claim.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pushToken").GetString()!;
        TestSecrets.Add(token);
        var oci = new OciClient(proxy.Client, Host, token);
        var config = Encoding.UTF8.GetBytes("{}");
        var layer = new byte[300_000];
        Random.Shared.NextBytes(layer);
        var configDigest = await oci.PushBlobAsync("metrics/app", config, Ct);
        var layerDigest = await oci.PushBlobAsync("metrics/app", layer, Ct);
        await oci.PutManifestAsync("metrics/app", "v1", configDigest, config.Length, layerDigest, layer.Length, Ct);
        Assert.Equal(layer, await oci.GetAsync($"/v2/metrics/app/blobs/{layerDigest}", Ct));
        using (var refused = await oci.StartUploadAsync("metrics/other", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var unknown = await proxy.Client.GetAsync("/v2/x/manifests/1?ns=unknown.example.com", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        }

        using var scrape = await proxy.Client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var text = await scrape.Content.ReadAsStringAsync(Ct);
        var series = Parse(text);

        var up = $"upstream=\"{Host}\"";
        Assert.Equal(2, Value(series, "credproxy_requests_total", up, "method=\"POST\"", "status=\"202\""));
        Assert.Equal(3, Value(series, "credproxy_requests_total", up, "method=\"PUT\"", "status=\"201\""));
        Assert.Equal(1, Value(series, "credproxy_requests_total", up, "method=\"GET\"", "status=\"200\""));
        Assert.Equal(1, Value(series, "credproxy_requests_total", up, "method=\"POST\"", "status=\"403\""));
        Assert.Equal(1, Value(series, "credproxy_requests_total", "upstream=\"none\"", "method=\"GET\"", "status=\"403\""));
        Assert.InRange(Value(series, "credproxy_received_bytes_total", up), layer.Length + config.Length, layer.Length + config.Length + 1000);
        Assert.InRange(Value(series, "credproxy_sent_bytes_total", up), layer.Length, layer.Length + 5000);
        Assert.Equal(1, Value(series, "credproxy_denials_total", up, "reason=\"policy\""));
        Assert.Equal(1, Value(series, "credproxy_denials_total", "upstream=\"none\"", "reason=\"unknown_registry\""));
        Assert.True(Value(series, "credproxy_token_fetches_total", up, "outcome=\"ok\"") >= 2, "pull,push and pull tokens were fetched");
        Assert.Equal(7, Value(series, "credproxy_request_duration_seconds_count", up));
        Assert.Equal(7, Value(series, "credproxy_request_duration_seconds_bucket", up, "le=\"+Inf\""));
        Assert.Contains(series.Keys, k => k.StartsWith("credproxy_request_duration_seconds_bucket{", StringComparison.Ordinal) && k.Contains("le=\"0.005\"", StringComparison.Ordinal));

        // No secret, and nothing a client chose (repository names, unknown hosts), in any label.
        foreach (var secret in new[] { TokenRegistryFixture.Password, token, "metrics/app", "unknown.example.com", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TokenRegistryFixture.User}:{TokenRegistryFixture.Password}")) })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_metrics_listener_serves_metrics_and_health_only_and_takes_metrics_off_the_main_listener()
    {
        await using var proxy = await StartAsync(metricsListen: "127.0.0.1:0");
        var metricsUrl = proxy.App.Services.GetRequiredService<ListenerBindings>().MetricsUrl!;
        using var metricsClient = new HttpClient { BaseAddress = new Uri(metricsUrl) };
        using (var ok = await proxy.Client.GetAsync("/v2/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var scrape = await metricsClient.GetAsync("/metrics", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        }

        foreach (var path in new[] { "/v2/", "/v2/a/manifests/1", "/_kaniko/session" })
        {
            using var refused = await metricsClient.PostAsync(path, null, Ct);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            using var get = await metricsClient.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        using (var health = await metricsClient.GetAsync("/healthz", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using var onMain = await proxy.Client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.NotFound, onMain.StatusCode);
    }

    /// <summary>Series name with its labels sorted (<c>name{a="1",b="2"}</c>) to value.</summary>
    private static Dictionary<string, double> Parse(string exposition)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var key = line[..space];
            var brace = key.IndexOf('{');
            if (brace >= 0)
            {
                var labels = key[(brace + 1)..^1].Split("\",", StringSplitOptions.RemoveEmptyEntries).Select(l => l.EndsWith('"') ? l : l + "\"").Order(StringComparer.Ordinal);
                key = key[..brace] + "{" + string.Join(',', labels) + "}";
            }

            var value = line[(space + 1)..];
            result[key] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            };
        }

        return result;
    }

    /// <summary>Sum of the series of <paramref name="name"/> that carry all <paramref name="labels"/>.</summary>
    private static double Value(Dictionary<string, double> series, string name, params string[] labels)
    {
        var matching = series.Where(s => s.Key.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(l => s.Key.Contains(l, StringComparison.Ordinal))).ToList();
        Assert.True(matching.Count > 0, $"no series {name} with {string.Join(',', labels)} in:\n{string.Join('\n', series.Keys)}");
        return matching.Sum(s => s.Value);
    }
}
