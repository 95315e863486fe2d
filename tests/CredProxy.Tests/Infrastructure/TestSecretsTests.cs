using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Tests.Infrastructure;

public sealed class TestSecretsTests
{
    [Fact]
    public async Task A_secret_in_any_log_line_fails_the_test_whose_proxy_logged_it()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var proxy = await ProxyServer.StartAsync(new ProxyOptions { Upstreams = [new UpstreamOptions { Host = "reg.example", Endpoint = new Uri("https://reg.example") }] }, cts.Token);
        var logger = proxy.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("leak");
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{HtpasswdRegistryFixture.User}:{HtpasswdRegistryFixture.Password}"));
        logger.Log(LogLevel.Warning, new EventId(1), basic, null, (state, _) => "sent Basic " + state);
        var error = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(async () => await proxy.DisposeAsync());
        Assert.Contains("logged 1 secret(s)", error.Message, StringComparison.Ordinal);
    }
}
