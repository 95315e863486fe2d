using System.Diagnostics;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Policy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Kaniko.CredProxy.Routing;

/// <summary>Handles <c>/v2/...</c>: picks the upstream, enforces capability and policy, forwards through YARP.</summary>
public sealed class RegistryEndpoint(
    ProxyOptions options,
    IHttpForwarder forwarder,
    UpstreamClients clients,
    PushCapability capability,
    ProxyMetrics metrics,
    ILogger<RegistryEndpoint> logger)
{
    private static readonly ForwarderRequestConfig _requestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(5),
    };

    private static readonly UriCreationOptions _verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public async Task HandleAsync(HttpContext context, UpstreamOptions? boundUpstream)
    {
        var started = Stopwatch.GetTimestamp();
        var received = new CountingStream(new CoalescingBodyStream(context.Request.BodyReader));
        var sent = new CountingStream(context.Response.Body);
        context.Request.Body = received;
        context.Response.Body = sent;
        UpstreamOptions? upstream = null;
        try
        {
            upstream = await HandleCoreAsync(context, boundUpstream).ConfigureAwait(false);
        }
        finally
        {
            metrics.Request(upstream?.Host ?? ProxyMetrics.NoUpstream, context.Request.Method, context.Response.StatusCode, Stopwatch.GetElapsedTime(started), received.Count, sent.Count);
        }
    }

    /// <returns>The registry the request was for, once known (for metrics).</returns>
    private async Task<UpstreamOptions?> HandleCoreAsync(HttpContext context, UpstreamOptions? boundUpstream)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var raw = RawTarget.Parse(context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/");
        if (raw.Path != request.Path.Value || raw.Path.Contains('%', StringComparison.Ordinal))
        {
            await RefuseAsync(context, null, DenialReason.BadRequest, StatusCodes.Status400BadRequest, "path must not be percent-encoded or hold dot segments", cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (raw.NsCount > 1)
        {
            await RefuseAsync(context, null, DenialReason.BadRequest, StatusCodes.Status400BadRequest, "more than one ns= parameter", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var upstream = boundUpstream;
        if (upstream is not null)
        {
            if (raw.NsHost is { } nsHost && KnownRegistries.NormalizeHost(nsHost) != upstream.Host)
            {
                await RefuseAsync(context, upstream, DenialReason.UnknownRegistry, StatusCodes.Status403Forbidden, $"this listener serves registry {upstream.Host} only", cancellationToken).ConfigureAwait(false);
                return upstream;
            }
        }
        else
        {
            var host = raw.NsHost;
            upstream = host is null ? options.DefaultUpstreamOptions : options.FindUpstream(host);
            if (upstream is null)
            {
                var why = host is null ? "no ns= given and no default registry configured" : $"registry {host} is not configured in the proxy";
                await RefuseAsync(context, null, DenialReason.UnknownRegistry, StatusCodes.Status403Forbidden, why, cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        if (AccessPolicy.IsWrite(request.Method) && options.RequirePushToken
            && !capability.Verify(request.Headers[PushCapability.HeaderName].ToString()))
        {
            var why = request.Headers.ContainsKey(PushCapability.HeaderName) ? $"wrong {PushCapability.HeaderName}" : $"missing {PushCapability.HeaderName}";
            Log.PushTokenRefused(logger, request.Method, raw.Path, why);
            metrics.Denial(upstream.Host, DenialReason.PushToken);
            await OciErrors.WriteAsync(context, StatusCodes.Status403Forbidden, OciErrors.Denied, $"credproxy: write refused: {why}", cancellationToken).ConfigureAwait(false);
            return upstream;
        }

        var path = RegistryPath.Parse(raw.Path["/v2/".Length..]);
        var query = request.Query;
        if (query["from"].Count > 1 || query["mount"].Count > 1 || request.HasFormContentType)
        {
            // Registries read mount/from from form bodies too (Go's FormValue): only one, visible source counts.
            await RefuseAsync(context, upstream, DenialReason.BadRequest, StatusCodes.Status400BadRequest, "repeated mount/from parameters or a form body", cancellationToken).ConfigureAwait(false);
            return upstream;
        }

        var declared = options.RequirePushToken ? capability.Declaration : null;
        var decision = AccessPolicy.Decide(upstream, request.Method, path, query["from"].FirstOrDefault(), query.ContainsKey("mount"), declared);
        if (!decision.Allowed)
        {
            await RefuseAsync(context, upstream, DenialReason.Policy, StatusCodes.Status403Forbidden, decision.Refusal!, cancellationToken).ConfigureAwait(false);
            return upstream;
        }

        var target = new Uri(upstream.Endpoint.GetLeftPart(UriPartial.Authority) + raw.UpstreamPathAndQuery, in _verbatim);
        var forward = new ForwardContext(upstream, path, decision.Scopes, boundUpstream is null ? raw.NsQueryValue : null);
        var transformer = new RegistryTransformer(forward, target, metrics, logger);
        var error = await forwarder.SendAsync(context, upstream.Endpoint.GetLeftPart(UriPartial.Authority), clients.For(upstream), _requestConfig, transformer, cancellationToken).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            var reason = exception?.Message ?? error.ToString();
            var hint = SchemeProblem.Explain(upstream, exception);
            Log.ForwardFailed(logger, request.Method, raw.Path, upstream.Host, error.ToString(), hint ?? reason);
            var message = hint is null ? $"credproxy: registry {upstream.Host} failed ({error})" : $"credproxy: registry {upstream.Host} failed: {hint}";
            await OciErrors.WriteAsync(context, context.Response.StatusCode >= 500 ? context.Response.StatusCode : StatusCodes.Status502BadGateway, OciErrors.Unavailable, message, CancellationToken.None).ConfigureAwait(false);
            return upstream;
        }

        Log.Forwarded(logger, request.Method, raw.Path, upstream.Host, context.Response.StatusCode);
        return upstream;
    }

    private async Task RefuseAsync(HttpContext context, UpstreamOptions? upstream, DenialReason kind, int status, string reason, CancellationToken cancellationToken)
    {
        Log.Refused(logger, context.Request.Method, context.Request.Path.Value ?? "/", reason);
        metrics.Denial(upstream?.Host ?? ProxyMetrics.NoUpstream, kind);
        await OciErrors.WriteAsync(context, status, status == StatusCodes.Status400BadRequest ? OciErrors.Unsupported : OciErrors.Denied, "credproxy: " + reason, cancellationToken).ConfigureAwait(false);
    }
}
