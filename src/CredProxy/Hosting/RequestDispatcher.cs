using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Hosting;

/// <summary>The proxy's only terminal middleware: session, health, <c>/v2/</c> base and registry API.</summary>
public sealed class RequestDispatcher(
    RegistryEndpoint registry,
    SessionEndpoint session,
    HealthEndpoints health,
    ListenerBindings bindings)
{
    public Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (bindings.IsMetricsListener(context))
        {
            // The metrics listener may face the network: health and metrics only (metrics are served before this).
            return path switch
            {
                "/healthz" => health.LiveAsync(context),
                "/readyz" => health.ReadyAsync(context),
                _ => OciErrors.WriteAsync(context, StatusCodes.Status404NotFound, "NOT_FOUND", "credproxy: this listener serves /metrics, /healthz and /readyz only", context.RequestAborted),
            };
        }

        return path switch
        {
            "/_kaniko/session" => session.HandleAsync(context),
            "/healthz" => health.LiveAsync(context),
            "/readyz" => health.ReadyAsync(context),
            "/v2" or "/v2/" => BaseAsync(context),
            _ when path.StartsWith("/v2/", StringComparison.Ordinal) => registry.HandleAsync(context, bindings.UpstreamFor(context)),
            _ => OciErrors.WriteAsync(context, StatusCodes.Status404NotFound, "NOT_FOUND", "credproxy: no such endpoint", context.RequestAborted),
        };
    }

    /// <summary>The client sees a registry without authentication.</summary>
    private static Task BaseAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return OciErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, OciErrors.Unsupported, "credproxy: use GET", context.RequestAborted);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        context.Response.ContentType = "application/json";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("{}", context.RequestAborted);
    }
}
