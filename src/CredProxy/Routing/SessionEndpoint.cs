using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Policy;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Routing;

/// <summary>
/// <c>POST /_kaniko/session</c>: the first claim gets the push capability, every later one 403. The claim may
/// declare the repositories the build pushes to (<c>{"push":["registry/repository", ...]}</c>); each must be
/// on a configured registry and inside its push allow-list, else the claim is refused and nothing is handed out.
/// </summary>
public sealed class SessionEndpoint(PushCapability capability, ProxyOptions options, ProxyMetrics metrics, ILogger<SessionEndpoint> logger)
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxRepositories = 256;

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await OciErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, OciErrors.Unsupported, "credproxy: use POST", cancellationToken).ConfigureAwait(false);
            return;
        }

        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        if (capability.IsClaimed)
        {
            await RefuseSecondClaimAsync(context, remote, cancellationToken).ConfigureAwait(false);
            return;
        }

        var (declaration, problem, status) = await ReadDeclarationAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            Log.SessionDeclarationRefused(logger, remote, problem);
            metrics.Denial(ProxyMetrics.NoUpstream, DenialReason.Session);
            var code = status == StatusCodes.Status400BadRequest ? OciErrors.Unsupported : OciErrors.Denied;
            await OciErrors.WriteAsync(context, status, code, "credproxy: push session refused: " + problem, cancellationToken).ConfigureAwait(false);
            return;
        }

        var token = capability.TryClaim(declaration);
        if (token is null)
        {
            await RefuseSecondClaimAsync(context, remote, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (declaration is null)
        {
            if (options.RequirePushToken)
            {
                Log.SessionClaimedUndeclared(logger);
            }
            else
            {
                Log.SessionClaimed(logger, "(not enforced: the push token is not required)");
            }
        }
        else
        {
            Log.SessionClaimed(logger, declaration.ToString());
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, new SessionResponse(token), ProxyJsonContext.Default.SessionResponse, cancellationToken).ConfigureAwait(false);
    }

    private async Task RefuseSecondClaimAsync(HttpContext context, string remote, CancellationToken cancellationToken)
    {
        Log.SessionClaimRefused(logger, remote);
        metrics.Denial(ProxyMetrics.NoUpstream, DenialReason.Session);
        await OciErrors.WriteAsync(context, StatusCodes.Status403Forbidden, OciErrors.Denied, "credproxy: the push session was already claimed", cancellationToken).ConfigureAwait(false);
    }

    /// <returns>The declaration (null for an empty body), or why it is refused and with which status.</returns>
    private async Task<(PushDeclaration? Declaration, string? Problem, int Status)> ReadDeclarationAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, $"body larger than {MaxBodyBytes} bytes", StatusCodes.Status400BadRequest);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, $"body larger than {MaxBodyBytes} bytes", StatusCodes.Status400BadRequest);
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, null, 0);
        }

        SessionRequest? body;
        try
        {
            body = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ProxyJsonContext.Default.SessionRequest);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.Push is null)
        {
            return (null, """the body must be JSON {"push":["registry/repository", ...]}""", StatusCodes.Status400BadRequest);
        }

        if (body.Push.Count > MaxRepositories)
        {
            return (null, $"more than {MaxRepositories} repositories declared", StatusCodes.Status400BadRequest);
        }

        var repositories = new List<(string, string)>();
        var problems = new List<string>();
        foreach (var entry in body.Push)
        {
            var problem = Resolve(entry ?? string.Empty, out var registry, out var repository);
            if (problem is null)
            {
                repositories.Add((registry!, repository!));
            }
            else
            {
                problems.Add(problem);
            }
        }

        return problems.Count > 0
            ? (null, string.Join("; ", problems), StatusCodes.Status403Forbidden)
            : (new PushDeclaration(repositories), null, 0);
    }

    private string? Resolve(string entry, out string? registry, out string? repository)
    {
        registry = null;
        repository = null;
        var slash = entry.IndexOf('/');
        if (slash <= 0 || !RepositoryName.IsValid(entry[(slash + 1)..]))
        {
            return $"'{Shorten(entry)}' is not registry/repository (e.g. registry.example.com/team/app)";
        }

        var upstream = options.FindUpstream(entry[..slash]);
        if (upstream is null)
        {
            return $"'{entry}': registry {KnownRegistries.NormalizeHost(entry[..slash])} is not configured in the proxy";
        }

        var name = entry[(slash + 1)..];
        if (upstream.Push is not null && !RepositoryPattern.AnyMatches(upstream.Push, name))
        {
            return $"'{entry}' is outside the push allow-list of registry {upstream.Host} ({upstream.PushSetting ?? upstream.Source}: {(upstream.Push.Count == 0 ? "no pushes, pull-only" : string.Join(',', upstream.Push))})";
        }

        registry = upstream.Host;
        repository = name;
        return null;
    }

    private static string Shorten(string text) => text.Length > 100 ? text[..100] + "..." : text;
}
