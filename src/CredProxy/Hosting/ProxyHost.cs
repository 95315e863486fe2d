using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Routing;
using Kaniko.CredProxy.Tokens;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Kaniko.CredProxy.Hosting;

/// <summary>Builds the proxy's web application from validated options; tests use it in-process.</summary>
public static class ProxyHost
{
    /// <param name="services">Test hook: replaces or adds services (e.g. MSAL's HTTP client factory).</param>
    public static WebApplication Build(ProxyOptions options, Action<ILoggingBuilder>? logging = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        ConfigureLogging(builder.Logging, options);
        logging?.Invoke(builder.Logging);

        var bindings = new ListenerBindings();
        // Read request bodies without a zero-byte read before each one: blob uploads pass through here, and
        // the default (wait, then allocate) doubles the receive calls per 4 KiB block.
        builder.WebHost.UseSockets(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            ListenAddress.TryParse(options.Listen, out var main);
            kestrel.Listen(main!, listener => bindings.Bind(listener, null));
            foreach (var upstream in options.Upstreams.Where(u => u.Listen is not null))
            {
                ListenAddress.TryParse(upstream.Listen!, out var endpoint);
                kestrel.Listen(endpoint!, listener => bindings.Bind(listener, upstream));
            }

            if (options.MetricsListen is not null)
            {
                ListenAddress.TryParse(options.MetricsListen, out var metrics);
                kestrel.Listen(metrics!, bindings.BindMetrics);
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        var registrations = builder.Services;
        registrations.AddSingleton(options);
        registrations.AddSingleton(bindings);
        registrations.AddSingleton(time ?? TimeProvider.System);
        registrations.AddSingleton<TokenCache>();
        registrations.AddSingleton<PushCapability>();
        registrations.AddSingleton<UpstreamClients>();
        registrations.AddSingleton<RegistryEndpoint>();
        registrations.AddSingleton<SessionEndpoint>();
        registrations.AddSingleton<HealthEndpoints>();
        registrations.AddSingleton<RequestDispatcher>();
        registrations.AddSingleton<ProxyMetrics>();
        registrations.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("credproxy"))
            .WithMetrics(metrics => metrics
                .AddMeter(ProxyMetrics.MeterName)
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        registrations.AddHttpForwarder();
        services?.Invoke(registrations);

        var app = builder.Build();
        var dispatcher = app.Services.GetRequiredService<RequestDispatcher>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == "/metrics" && HttpMethods.IsGet(context.Request.Method) && bindings.ServesMetrics(context));
        app.Run(dispatcher.HandleAsync);
        LogStartup(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kaniko.CredProxy"), options);
        return app;
    }

    /// <summary>The main listener's URL, once started.</summary>
    public static string MainUrl(WebApplication app) =>
        app.Services.GetRequiredService<ListenerBindings>().BoundAddresses().First(a => a.Upstream is null).Url;

    private static void ConfigureLogging(ILoggingBuilder logging, ProxyOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Error);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // The host logs a failed start with its stack trace and then throws; Program reports the error itself.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (options.JsonLogs)
        {
            logging.AddJsonConsole(o => o.IncludeScopes = false);
        }
        else
        {
            logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static void LogStartup(ILogger logger, ProxyOptions options)
    {
        foreach (var upstream in options.Upstreams)
        {
            var pull = upstream.Pull.Count == 0 ? "any" : string.Join(',', upstream.Pull);
            var push = upstream.Push is null ? "any" : upstream.Push.Count == 0 ? "none" : string.Join(',', upstream.Push);
            Log.Upstream(logger, upstream.Host, upstream.Endpoint.GetLeftPart(UriPartial.Authority), upstream.Source, upstream.HasCredentials, pull, push);
            if (upstream.Push is null && options.RequirePushToken)
            {
                Log.PushToDeclared(logger, upstream.Host);
            }
            else if (upstream.Push is null)
            {
                Log.NoPushAllowList(logger, upstream.Host);
            }
        }

        if (!options.RequirePushToken)
        {
            Log.PushTokenDisabled(logger);
        }
    }
}
