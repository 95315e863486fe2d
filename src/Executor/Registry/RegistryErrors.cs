using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace Kaniko.Executor.Registry;

/// <summary>Turns failed exchanges into <see cref="RegistryException"/>s that say what happened and what to do.</summary>
internal static class RegistryErrors
{
    private const int MaxErrorBody = 64 * 1024;

    public static async Task<RegistryException> FromResponseAsync(HttpResponseMessage response, RegistryRequest request, bool viaProxy, bool hasCredentials, DateTimeOffset now, TimeSpan bodyTimeout, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var (codes, details) = await ReadErrorBodyAsync(response, bodyTimeout, cancellationToken).ConfigureAwait(false);
        var transient = status is 429 or 408 or >= 500;
        var message = new StringBuilder()
            .Append(request.Operation).Append(": ")
            .Append(request.Target.Registry).Append(" answered HTTP ").Append(status)
            .Append(' ').Append(response.ReasonPhrase ?? response.StatusCode.ToString());
        if (details.Length > 0)
        {
            message.Append(" (").Append(details).Append(')');
        }

        var hint = Hint(status, codes, request, viaProxy, hasCredentials);
        if (hint is not null)
        {
            message.Append(". ").Append(hint);
        }

        return new RegistryException(message.ToString(), request.Target.Registry, request.Target.Repository, status, codes, transient)
        {
            RetryAfter = RetryAfter(response.Headers.RetryAfter, now),
        };
    }

    public static RegistryException FromException(Exception exception, RegistryRequest request, bool viaProxy)
    {
        var where = viaProxy ? $"the registry proxy (for {request.Target.Registry})" : $"{request.Target.Registry} ({request.Uri.Scheme}://{request.Uri.Authority})";
        var tls = FindInner<AuthenticationException>(exception);
        if (tls is not null)
        {
            return new RegistryException(
                $"{request.Operation}: the TLS handshake with {where} failed: {tls.Message}. Trust the registry's CA (SSL_CERT_FILE), or use --skip-tls-verify, or --insecure-registry {request.Target.Registry} for plain http",
                request.Target.Registry, request.Target.Repository, isTransient: false, innerException: exception);
        }

        var reason = exception is HttpRequestException { HttpRequestError: var kind } && kind != HttpRequestError.Unknown
            ? $"{kind}: {exception.Message}"
            : exception.Message;
        return new RegistryException(
            $"{request.Operation}: cannot talk to {where}: {reason}. Check that the registry is up and its address is right (plain-http registries need --insecure-registry)",
            request.Target.Registry, request.Target.Repository, isTransient: true, innerException: exception);
    }

    public static RegistryException Timeout(RegistryRequest request, TimeSpan timeout, bool viaProxy) =>
        new(
            $"{request.Operation}: {(viaProxy ? "the registry proxy" : request.Target.Registry)} did not answer within {timeout.TotalSeconds:0.#} s",
            request.Target.Registry, request.Target.Repository, isTransient: true);

    private static string? Hint(int status, IReadOnlyList<string> codes, RegistryRequest request, bool viaProxy, bool hasCredentials) => status switch
    {
        401 or 403 when viaProxy => $"Check the credentials given to the credential proxy for {request.Target.Registry} and that they allow {request.Actions} on {request.Target.Repository}",
        401 when !hasCredentials => $"{request.Target.Registry} needs credentials for {request.Actions} on {request.Target.Repository}: give them to the credential proxy (--registry-proxy) for {request.Target.Registry}",
        401 or 403 => $"Check the credentials for {request.Target.Registry} and that they allow {request.Actions} on {request.Target.Repository}",
        404 when codes.Contains("NAME_UNKNOWN") => $"The repository {request.Target.RepositoryName} does not exist (or is not visible with these credentials)",
        404 when codes.Contains("MANIFEST_UNKNOWN") || request.Operation.StartsWith("get manifest", StringComparison.Ordinal) => $"Check that {request.Target} exists: the tag or digest is unknown to the registry",
        404 when codes.Contains("BLOB_UNKNOWN") => "The registry does not have this blob although a manifest names it: the image in the registry is incomplete",
        405 => "The registry does not allow this operation (a read-only mirror or a pull-through cache?)",
        409 or 400 when codes.Contains("TAG_INVALID") || status == 409 => "The tag may be immutable in this registry: push a new tag, or use --push-ignore-immutable-tag-errors",
        413 => "The registry refused the size of the upload",
        429 => "The registry is rate limiting: try again later or authenticate for a higher limit",
        502 when viaProxy => $"The credential proxy could not get an answer from {request.Target.Registry}: the proxy's message above (and its log) says which of its settings to change",
        >= 500 => "The registry had an internal error: try again later",
        _ => null,
    };

    /// <summary>The error document, if one comes within <paramref name="timeout"/>: a stuck body must not hide the status.</summary>
    private static async Task<(IReadOnlyList<string> Codes, string Details)> ReadErrorBodyAsync(HttpResponseMessage response, TimeSpan timeout, CancellationToken outerToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(outerToken);
        deadline.CancelAfter(timeout);
        var cancellationToken = deadline.Token;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBody];
            var length = 0;
            int n;
            while (length < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += n;
            }

            if (length == 0)
            {
                return ([], "");
            }

            try
            {
                var body = JsonSerializer.Deserialize(buffer.AsSpan(0, length), RegistryJsonContext.Default.RegistryErrorBody);
                if (body?.Errors is { Count: > 0 } errors)
                {
                    var codes = errors.Select(e => e.Code ?? "UNKNOWN").ToArray();
                    var details = string.Join("; ", errors.Select(e => e.Message is null ? e.Code : $"{e.Code}: {e.Message}"));
                    return (codes, Shorten(details));
                }
            }
            catch (JsonException)
            {
                // Not a registry error document: show its start if it is text.
            }

            var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 200));
            return ([], text.All(c => !char.IsControl(c) || c is '\n' or '\r' or '\t') ? Shorten(text.ReplaceLineEndings(" ").Trim()) : "");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return ([], "");
        }
        catch (OperationCanceledException) when (!outerToken.IsCancellationRequested)
        {
            return ([], "");
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    internal static T? FindInner<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }

    internal static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}
