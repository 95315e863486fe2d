namespace Kaniko.CredProxy.Health;

/// <summary><c>/healthz</c>: the process serves; <c>/readyz</c>: started and not shutting down.</summary>
public sealed class HealthEndpoints(IHostApplicationLifetime lifetime)
{
    public Task LiveAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, "ok");

    public Task ReadyAsync(HttpContext context)
    {
        var ready = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;
        return WriteAsync(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, ready ? "ready" : "not ready");
    }

    private static Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
