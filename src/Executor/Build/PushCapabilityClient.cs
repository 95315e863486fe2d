using System.Text;
using System.Text.Json;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build;

/// <summary>
/// Claims the one-time push capability from the credential proxy before any build step runs, so a RUN
/// step that reaches the proxy later cannot push (SECURITY.md, "The push capability"). The claim declares
/// the repositories the build pushes to; the proxy lets the capability push there and nowhere else.
/// </summary>
public static class PushCapabilityClient
{
    public static async Task<string> ClaimAsync(Uri proxy, IReadOnlyList<ImageReference> pushTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pushTo);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var endpoint = new Uri(proxy, "/_kaniko/session");
        HttpResponseMessage response;
        try
        {
            using var content = new ByteArrayContent(DeclarationBody(pushTo));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            response = await http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"cannot reach the credential proxy at {proxy}: {e.Message}; is it running?", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var said = ProxyMessage(body);
                var hint = said is not null && said.Contains("already claimed", StringComparison.Ordinal)
                    ? "it is given out once per proxy: start a fresh proxy for each build"
                    : "check --destination against the proxy's push allow-list (its PUSH setting, or CI_REGISTRY_IMAGE in GitLab)";
                throw new InvalidOperationException(
                    $"the credential proxy at {proxy} refused the push capability ({(int)response.StatusCode}{(said is null ? string.Empty : ": " + said)}); {hint}");
            }

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

    /// <summary><c>{"push":["registry/repository", ...]}</c>: every destination, with its registry.</summary>
    internal static byte[] DeclarationBody(IReadOnlyList<ImageReference> pushTo)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("push");
            foreach (var name in pushTo.Select(r => r.RepositoryName).Distinct(StringComparer.Ordinal))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The first error message of an OCI error body, shortened; null if there is none.</summary>
    private static string? ProxyMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var message = document.RootElement.GetProperty("errors")[0].GetProperty("message").GetString();
            return message is null ? null : message.Length > 500 ? message[..500] + "..." : message;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        }
    }
}
