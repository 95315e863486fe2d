using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Amazon ECR: <c>GetAuthorizationToken</c> (SigV4-signed) gives base64 <c>AWS:password</c>, valid 12 hours;
/// kept until 30 minutes before it expires.
/// </summary>
public sealed class EcrCredentialSource(AwsIdentity identity, HttpMessageInvoker http, TimeProvider time, ILogger logger) : ICredentialSource
{
    private const string Target = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
    private static readonly TimeSpan _early = TimeSpan.FromMinutes(30);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private RegistryCredential? _cached;
    private DateTimeOffset _refreshAt = DateTimeOffset.MinValue;

    public async ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is not null && time.GetUtcNow() < _refreshAt)
            {
                return _cached;
            }

            (_cached, var expires) = await FetchAsync(cancellationToken).ConfigureAwait(false);
            _refreshAt = expires - _early;
            return _cached;
        }
        catch (Exception ex) when (ex is TokenException or HttpRequestException or JsonException or FormatException or InvalidOperationException)
        {
            Log.ProviderFailed(logger, "ecr", identity.AccessKeyId, ex is TokenException ? ex.Message : ex.GetType().Name);
            return null;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<(RegistryCredential, DateTimeOffset)> FetchAsync(CancellationToken cancellationToken)
    {
        var body = "{}"u8.ToArray();
        var now = time.GetUtcNow();
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/x-amz-json-1.1",
            ["host"] = identity.ApiEndpoint.Authority,
            ["x-amz-date"] = AwsSigV4.AmzDate(now),
            ["x-amz-target"] = Target,
        };
        if (identity.SessionToken is not null)
        {
            headers["x-amz-security-token"] = identity.SessionToken;
        }

        var authorization = AwsSigV4.Authorization("POST", "/", string.Empty, headers, body, identity.AccessKeyId, identity.SecretAccessKey, identity.Region, "ecr", now);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(identity.ApiEndpoint, "/")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", headers["x-amz-date"]);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
        if (identity.SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", identity.SessionToken);
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenException($"ECR API at {identity.ApiEndpoint.Authority} answered {(int)response.StatusCode}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var data = json.RootElement.GetProperty("authorizationData")[0];
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("authorizationToken").GetString()!));
        var colon = pair.IndexOf(':');
        if (colon <= 0)
        {
            throw new TokenException($"ECR API at {identity.ApiEndpoint.Authority} sent an unusable token");
        }

        var expires = data.TryGetProperty("expiresAt", out var at) && at.TryGetDouble(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : now.AddHours(12);
        return (new RegistryCredential(pair[..colon], pair[(colon + 1)..]), expires);
    }
}
