using System.Text.Json;
using Kaniko.CredProxy.Policy;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Routing;

/// <summary><c>POST /_kaniko/session</c>: the first claim gets the push capability, every later one 403.</summary>
public sealed class SessionEndpoint(PushCapability capability, ILogger<SessionEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await OciErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, OciErrors.Unsupported, "credproxy: use POST", cancellationToken).ConfigureAwait(false);
            return;
        }

        var token = capability.TryClaim();
        if (token is null)
        {
            var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
            Log.SessionClaimRefused(logger, remote);
            await OciErrors.WriteAsync(context, StatusCodes.Status403Forbidden, OciErrors.Denied, "credproxy: the push session was already claimed", cancellationToken).ConfigureAwait(false);
            return;
        }

        Log.SessionClaimed(logger);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, new SessionResponse(token), ProxyJsonContext.Default.SessionResponse, cancellationToken).ConfigureAwait(false);
    }
}
