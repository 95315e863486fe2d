using System.Security.Authentication;
using Kaniko.CredProxy.Configuration;

namespace Kaniko.CredProxy.Routing;

/// <summary>
/// Recognises an http/https mismatch with a registry (or a certificate it does not trust) and says which
/// setting to change, instead of a bare 502.
/// </summary>
internal static class SchemeProblem
{
    /// <returns>A sentence naming the problem and the setting, or null when the failure is something else.</returns>
    public static string? Explain(UpstreamOptions upstream, Exception? exception)
    {
        if (exception is null)
        {
            return null;
        }

        var endpoint = upstream.Endpoint.GetLeftPart(UriPartial.Authority);
        var requestError = Find<HttpRequestException>(exception)?.HttpRequestError;
        if (upstream.Endpoint.Scheme == Uri.UriSchemeHttps && (requestError == HttpRequestError.SecureConnectionError || Find<AuthenticationException>(exception) is not null))
        {
            var certificate = Find<AuthenticationException>(exception)?.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) == true;
            return certificate
                ? $"TLS problem: the certificate of {endpoint} is not trusted; give the proxy its CA (SSL_CERT_FILE) or set {upstream.SkipTlsVerifySetting ?? upstream.Source + " SkipTlsVerify"}=true"
                : $"TLS problem: no TLS handshake with {endpoint}; if the registry speaks plain http, set {upstream.SchemeSetting ?? upstream.Source + " Insecure"} (http)";
        }

        if (upstream.Endpoint.Scheme == Uri.UriSchemeHttp && requestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded)
        {
            return PlainHttpToTls(upstream);
        }

        return null;
    }

    public static string PlainHttpToTls(UpstreamOptions upstream) =>
        $"scheme problem: {upstream.Endpoint.GetLeftPart(UriPartial.Authority)} does not speak plain http (it probably wants TLS); " +
        $"unset {upstream.SchemeSetting ?? upstream.Source + " Insecure"} so the proxy uses https";

    /// <summary>Go's and nginx's answers to plain http on a TLS port: a short 400 without registry headers.</summary>
    public static async Task<bool> IsPlainHttpToTlsPortAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Go answers HTTP/1.0 without Content-Length (the body ends with the connection); registries add their header.
        if (response.Headers.Contains("Docker-Distribution-API-Version") || response.Content.Headers.ContentLength is >= 4096
            || response.Content.Headers.ContentType?.MediaType is not (null or "text/plain" or "text/html"))
        {
            return false;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(4096, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return text.Contains("HTTP request", StringComparison.OrdinalIgnoreCase) && text.Contains("HTTPS", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
