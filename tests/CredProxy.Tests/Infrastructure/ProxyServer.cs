using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>The proxy in-process on a free loopback port, with its log lines captured.</summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyServer(WebApplication app, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
        BaseAddress = new Uri(ProxyHost.MainUrl(app));
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public CapturedLogs Logs { get; }

    public WebApplication App => _app;

    public static async Task<ProxyServer> StartAsync(ProxyOptions options, CancellationToken cancellationToken, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var logs = new CapturedLogs();
        var app = ProxyHost.Build(options with { Listen = "127.0.0.1:0" }, logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug), time, services);
        await app.StartAsync(cancellationToken);
        return new ProxyServer(app, logs);
    }

    public static UpstreamOptions Upstream(RegistryProcess registry, string? user = null, string? password = null) => new()
    {
        Host = registry.Host,
        Endpoint = registry.Endpoint,
        Credential = user is null ? null : new RegistryCredential(user, password!),
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        var leaked = TestSecrets.FoundIn(Logs.All);
        if (leaked.Count > 0)
        {
            throw new Xunit.Sdk.XunitException($"the proxy logged {leaked.Count} secret(s) of the test suite: {string.Join(", ", leaked)}\n{Logs.All}");
        }
    }
}
