using Kaniko.CredProxy.Configuration;
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
    ILogger<RegistryEndpoint> logger)
{
    private static readonly ForwarderRequestConfig _requestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(5),
    };

    private static readonly UriCreationOptions _verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public async Task HandleAsync(HttpContext context, UpstreamOptions? boundUpstream)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var raw = RawTarget.Parse(context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/");
        if (raw.Path != request.Path.Value || raw.Path.Contains('%', StringComparison.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "path must not be percent-encoded or hold dot segments", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (raw.NsCount > 1)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "more than one ns= parameter", cancellationToken).ConfigureAwait(false);
            return;
        }

        var upstream = boundUpstream;
        if (upstream is not null)
        {
            if (raw.NsHost is { } nsHost && KnownRegistries.NormalizeHost(nsHost) != upstream.Host)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"this listener serves registry {upstream.Host} only", cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            var host = raw.NsHost;
            upstream = host is null ? options.DefaultUpstreamOptions : options.FindUpstream(host);
            if (upstream is null)
            {
                var why = host is null ? "no ns= given and no default registry configured" : $"registry {host} is not configured in the proxy";
                await RefuseAsync(context, StatusCodes.Status403Forbidden, why, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        if (AccessPolicy.IsWrite(request.Method) && options.RequirePushToken
            && !capability.Verify(request.Headers[PushCapability.HeaderName].ToString()))
        {
            var why = request.Headers.ContainsKey(PushCapability.HeaderName) ? $"wrong {PushCapability.HeaderName}" : $"missing {PushCapability.HeaderName}";
            Log.PushTokenRefused(logger, request.Method, raw.Path, why);
            await OciErrors.WriteAsync(context, StatusCodes.Status403Forbidden, OciErrors.Denied, $"credproxy: write refused: {why}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var path = RegistryPath.Parse(raw.Path["/v2/".Length..]);
        var query = request.Query;
        if (query["from"].Count > 1 || query["mount"].Count > 1 || request.HasFormContentType)
        {
            // Registries read mount/from from form bodies too (Go's FormValue): only one, visible source counts.
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "repeated mount/from parameters or a form body", cancellationToken).ConfigureAwait(false);
            return;
        }

        var declared = options.RequirePushToken ? capability.Declaration : null;
        var decision = AccessPolicy.Decide(upstream, request.Method, path, query["from"].FirstOrDefault(), query.ContainsKey("mount"), declared);
        if (!decision.Allowed)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, decision.Refusal!, cancellationToken).ConfigureAwait(false);
            return;
        }

        var target = new Uri(upstream.Endpoint.GetLeftPart(UriPartial.Authority) + raw.UpstreamPathAndQuery, in _verbatim);
        var forward = new ForwardContext(upstream, path, decision.Scopes, boundUpstream is null ? raw.NsQueryValue : null);
        var transformer = new RegistryTransformer(forward, target, logger);
        var error = await forwarder.SendAsync(context, upstream.Endpoint.GetLeftPart(UriPartial.Authority), clients.For(upstream), _requestConfig, transformer, cancellationToken).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var reason = context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();
            Log.ForwardFailed(logger, request.Method, raw.Path, upstream.Host, error.ToString(), reason);
            await OciErrors.WriteAsync(context, context.Response.StatusCode >= 500 ? context.Response.StatusCode : StatusCodes.Status502BadGateway, OciErrors.Unavailable, $"credproxy: registry {upstream.Host} failed ({error})", CancellationToken.None).ConfigureAwait(false);
            return;
        }

        Log.Forwarded(logger, request.Method, raw.Path, upstream.Host, context.Response.StatusCode);
    }

    private async Task RefuseAsync(HttpContext context, int status, string reason, CancellationToken cancellationToken)
    {
        Log.Refused(logger, context.Request.Method, context.Request.Path.Value ?? "/", reason);
        await OciErrors.WriteAsync(context, status, status == StatusCodes.Status400BadRequest ? OciErrors.Unsupported : OciErrors.Denied, "credproxy: " + reason, cancellationToken).ConfigureAwait(false);
    }
}
