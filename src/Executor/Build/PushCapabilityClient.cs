using System.Text.Json;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build;

/// <summary>
/// Claims the one-time push capability from the credential proxy before any build step runs, so a RUN
/// step that reaches the proxy later cannot push (SECURITY.md, "The push capability").
/// </summary>
public static class PushCapabilityClient
{
    /// <param name="pushTo">
    /// Every repository the build pushes to (destinations, and the layer cache). This proxy's claim takes no
    /// declaration yet, so they are not sent; a proxy that restricts the capability to declared repositories
    /// gets them from here.
    /// </param>
    public static async Task<string> ClaimAsync(Uri proxy, IReadOnlyList<ImageReference> pushTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pushTo);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var endpoint = new Uri(proxy, "/_kaniko/session");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(endpoint, content: null, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"cannot reach the credential proxy at {proxy}: {e.Message}; is it running?", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"the credential proxy at {proxy} refused the push capability ({(int)response.StatusCode}); " +
                    "it is given out once per proxy: start a fresh proxy for each build");
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.GetProperty("pushToken").GetString()
                    ?? throw new InvalidOperationException($"the credential proxy at {proxy} answered an empty push capability");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidOperationException($"the credential proxy at {proxy} answered the session claim with an unexpected body", e);
            }
        }
    }
}
