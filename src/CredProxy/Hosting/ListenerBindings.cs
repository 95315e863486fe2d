using Kaniko.CredProxy.Configuration;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kaniko.CredProxy.Hosting;

/// <summary>
/// Extra listeners bound to one upstream each (for clients that cannot send <c>ns=</c>): a connection
/// middleware tags every connection of such a listener with its upstream.
/// </summary>
public sealed class ListenerBindings
{
    private const string ItemKey = "credproxy.upstream";
    private const string MetricsKey = "credproxy.metrics";

    private readonly List<(ListenOptions Listener, UpstreamOptions? Upstream)> _listeners = [];
    private ListenOptions? _metrics;

    /// <summary>True once a metrics-only listener is bound.</summary>
    public bool HasMetricsListener => _metrics is not null;

    /// <summary>The metrics listener's URL, once started.</summary>
    public string? MetricsUrl => _metrics is null ? null : $"http://{_metrics.IPEndPoint}";

    public void BindMetrics(ListenOptions listener)
    {
        _metrics = listener;
        listener.Use(next => connection =>
        {
            connection.Items[MetricsKey] = true;
            return next(connection);
        });
    }

    public bool IsMetricsListener(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(MetricsKey) == true;

    /// <summary>Where <c>/metrics</c> is served: the metrics listener if there is one, else the main listener.</summary>
    public bool ServesMetrics(HttpContext context) =>
        HasMetricsListener ? IsMetricsListener(context) : !IsMetricsListener(context) && UpstreamFor(context) is null;

    public void Bind(ListenOptions listener, UpstreamOptions? upstream)
    {
        _listeners.Add((listener, upstream));
        if (upstream is not null)
        {
            listener.Use(next => connection =>
            {
                connection.Items[ItemKey] = upstream;
                return next(connection);
            });
        }
    }

    public UpstreamOptions? UpstreamFor(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? value as UpstreamOptions : null;

    /// <summary>Actual bound addresses (port 0 resolved), after the server started.</summary>
    public IEnumerable<(string Url, UpstreamOptions? Upstream)> BoundAddresses() =>
        _listeners.Select(l => ($"http://{l.Listener.IPEndPoint}", l.Upstream));
}
