using System.Text.Json;

namespace Kaniko.CredProxy.Routing;

internal sealed record OciError(string Code, string Message);

internal sealed record OciErrorBody(IReadOnlyList<OciError> Errors);

internal sealed record SessionResponse(string PushToken);

/// <summary>The body of a push session claim: the repositories (<c>registry/repository</c>) the build pushes to.</summary>
internal sealed record SessionRequest(IReadOnlyList<string?>? Push);

/// <summary>Writes answers the proxy gives itself, in the distribution spec's error format.</summary>
internal static class OciErrors
{
    public const string Denied = "DENIED";
    public const string Unsupported = "UNSUPPORTED";
    public const string Unavailable = "UNAVAILABLE";

    public static async Task WriteAsync(HttpContext context, int status, string code, string message, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        var body = new OciErrorBody([new OciError(code, message)]);
        await JsonSerializer.SerializeAsync(context.Response.Body, body, ProxyJsonContext.Default.OciErrorBody, cancellationToken).ConfigureAwait(false);
    }
}
