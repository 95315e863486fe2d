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

    private readonly List<(ListenOptions Listener, UpstreamOptions? Upstream)> _listeners = [];

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
