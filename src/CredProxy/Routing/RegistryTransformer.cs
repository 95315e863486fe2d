using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Policy;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Kaniko.CredProxy.Routing;

/// <summary>
/// Per-request transform: exact upstream target, client auth and forwarding headers dropped, push token
/// stripped; on the way back, Location/Link rewritten to the proxy and a remaining 401 answered as 403.
/// </summary>
internal sealed class RegistryTransformer(ForwardContext forward, Uri upstreamTarget, ProxyMetrics metrics, ILogger logger) : HttpTransformer
{
    private static readonly string[] _droppedRequestHeaders =
    [
        PushCapability.HeaderName, "Authorization", "Proxy-Authorization", "Cookie", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Forwarded-Port",
        "X-Real-IP", "Via",
    ];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        foreach (var header in _droppedRequestHeaders)
        {
            proxyRequest.Headers.Remove(header);
        }

        // The upstream must see its own host (it builds Location from it), never the proxy's.
        proxyRequest.Headers.Host = null;
        proxyRequest.RequestUri = upstreamTarget;
        proxyRequest.Options.Set(ForwardContext.Key, forward);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            var scopes = Scope.Describe(forward.RequestedScopes);
            var reason = forward.AuthFailure ?? $"registry {forward.Upstream.Host} refused {scopes}";
            Log.UpstreamRefused(logger, httpContext.Request.Method, forward.Upstream.Host, forward.Path.Repository ?? "-", scopes, reason);
            metrics.Denial(forward.Upstream.Host, DenialReason.Upstream);
            var message = $"credproxy: access to {forward.Upstream.Host}/{forward.Path.Repository} denied ({reason})";
            await OciErrors.WriteAsync(httpContext, StatusCodes.Status403Forbidden, OciErrors.Denied, message, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.BadRequest && forward.Upstream.Endpoint.Scheme == Uri.UriSchemeHttp
            && await SchemeProblem.IsPlainHttpToTlsPortAsync(proxyResponse, cancellationToken).ConfigureAwait(false))
        {
            var hint = SchemeProblem.PlainHttpToTls(forward.Upstream);
            Log.ForwardFailed(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? "/", forward.Upstream.Host, "response", hint);
            await OciErrors.WriteAsync(httpContext, StatusCodes.Status502BadGateway, OciErrors.Unavailable, $"credproxy: registry {forward.Upstream.Host} failed: {hint}", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is not null)
        {
            RewriteLocations(httpContext);
        }

        return copyBody;
    }

    private void RewriteLocations(HttpContext httpContext)
    {
        var headers = httpContext.Response.Headers;
        var origin = $"{httpContext.Request.Scheme}://{httpContext.Request.Host.Value}";
        var location = headers.Location.ToString();
        if (location.Length > 0)
        {
            var rewritten = LocationRewriter.Rewrite(location, upstreamTarget, forward.Upstream.Endpoint, origin, forward.NsQueryValue);
            if (rewritten is not null)
            {
                headers.Location = rewritten;
            }
        }

        var link = headers.Link.ToString();
        if (link.Length > 0)
        {
            headers.Link = LocationRewriter.RewriteLink(link, upstreamTarget, forward.Upstream.Endpoint, origin, forward.NsQueryValue);
        }
    }
}
