using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;
using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Amazon ECR: <c>GetAuthorizationToken</c>, signed by the AWS SDK's SigV4 signer with credentials from
/// settings (keys, or STS web identity), else from the SDK's default chain. Its base64 <c>AWS:password</c>
/// is valid 12 hours and kept until 30 minutes before it expires. (AWSSDK.ECR is not used: the one call is
/// built here on AWSSDK.Core.)
/// </summary>
public sealed class EcrCredentialSource : ICredentialSource
{
    public const string Target = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
    public const string ContentType = "application/x-amz-json-1.1";
    private static readonly TimeSpan _early = TimeSpan.FromMinutes(30);

    private readonly AwsIdentity _identity;
    private readonly HttpMessageInvoker _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AWSCredentials? _credentials;
    private readonly AmazonSecurityTokenServiceConfig _signingConfig;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private RegistryCredential? _cached;
    private DateTimeOffset _refreshAt = DateTimeOffset.MinValue;

    public EcrCredentialSource(AwsIdentity identity, HttpMessageInvoker http, TimeProvider time, ILogger logger)
    {
        _identity = identity;
        _http = http;
        _time = time;
        _logger = logger;
        _credentials = identity.Kind switch
        {
            AwsCredentialKind.Keys when identity.SessionToken is { } token => new SessionAWSCredentials(identity.AccessKeyId, identity.SecretAccessKey, token),
            AwsCredentialKind.Keys => new BasicAWSCredentials(identity.AccessKeyId, identity.SecretAccessKey),
            AwsCredentialKind.WebIdentity => new WebIdentityCredentials(identity, StsConfig(identity)),
            _ => null,
        };

        // The signer reads clock skew and signature settings from a client config; region and service are set per request.
        _signingConfig = new AmazonSecurityTokenServiceConfig { AuthenticationRegion = identity.Region, AuthenticationServiceName = "ecr" };
    }

    public async ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is not null && _time.GetUtcNow() < _refreshAt)
            {
                return _cached;
            }

            (_cached, var expires) = await FetchAsync(cancellationToken).ConfigureAwait(false);
            _refreshAt = expires - _early;
            return _cached;
        }
        catch (Exception ex) when (ex is TokenException or HttpRequestException or JsonException or FormatException or InvalidOperationException
            or KeyNotFoundException or IOException or AmazonServiceException or AmazonClientException)
        {
            Log.ProviderFailed(_logger, "ecr", _identity.Describe(), Reason(ex));
            return null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>STS for web identity: the region's endpoint, or the configured override.</summary>
    public static AmazonSecurityTokenServiceConfig StsConfig(AwsIdentity identity)
    {
        var config = new AmazonSecurityTokenServiceConfig();
        if (identity.StsEndpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = identity.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(identity.Region);
        }

        config.MaxErrorRetry = 2;
        config.Timeout = TimeSpan.FromSeconds(30);
        return config;
    }

    private async Task<(RegistryCredential, DateTimeOffset)> FetchAsync(CancellationToken cancellationToken)
    {
        var credentials = _credentials ?? await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync().ConfigureAwait(false);
        var resolved = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var body = "{}"u8.ToArray();
        var signed = new DefaultRequest(new GetAuthorizationTokenRequest(), "ECR")
        {
            Endpoint = _identity.ApiEndpoint,
            ResourcePath = "/",
            HttpMethod = "POST",
            Content = body,
            AuthenticationRegion = _identity.Region,
            OverrideSigningServiceName = "ecr",
            SignedAt = now.UtcDateTime,
        };
        signed.Headers["Content-Type"] = ContentType;
        signed.Headers["X-Amz-Target"] = Target;
        if (resolved.UseToken)
        {
            // The SDK's pipeline adds the session token before signing; the signer alone does not.
            signed.Headers["X-Amz-Security-Token"] = resolved.Token;
        }

        new AWS4Signer().Sign(signed, _signingConfig, null, new BasicAWSCredentials(resolved.AccessKey, resolved.SecretKey));

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_identity.ApiEndpoint, "/")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        foreach (var (name, value) in signed.Headers)
        {
            // Host and Content-Length are set by the HTTP stack to the same values the signer saw.
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenException($"ECR API at {_identity.ApiEndpoint.Authority} answered {(int)response.StatusCode}{await ErrorTypeAsync(response, timeout.Token).ConfigureAwait(false)}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token).ConfigureAwait(false);
        var data = json.RootElement.GetProperty("authorizationData")[0];
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("authorizationToken").GetString() ?? string.Empty));
        var colon = pair.IndexOf(':');
        if (colon <= 0)
        {
            throw new TokenException($"ECR API at {_identity.ApiEndpoint.Authority} sent an unusable token");
        }

        var expires = data.TryGetProperty("expiresAt", out var at) && at.TryGetDouble(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : now.AddHours(12);
        return (new RegistryCredential(pair[..colon], pair[(colon + 1)..]), expires);
    }

    /// <summary>AWS JSON errors name their type (<c>__type</c>); never the message, which may echo request data.</summary>
    private static async Task<string> ErrorTypeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("__type", out var type) && type.GetString() is { Length: > 0 and < 200 } name ? " " + name : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        TokenException => ex.Message,
        AmazonServiceException service => $"AWS answered {service.ErrorCode ?? ((int)service.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        AmazonClientException { InnerException: AmazonServiceException inner } => $"AWS STS answered {inner.ErrorCode ?? ((int)inner.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        AmazonClientException => "no AWS credentials found (" + ex.GetType().Name + ")",
        _ => ex.GetType().Name,
    };

    /// <summary>The request object the SDK's signer wraps; the body is the empty JSON object.</summary>
    private sealed class GetAuthorizationTokenRequest : AmazonWebServiceRequest;

    /// <summary>The SDK's web identity credentials (token file read at each refresh), with our STS client settings.</summary>
    private sealed class WebIdentityCredentials(AwsIdentity identity, AmazonSecurityTokenServiceConfig config)
        : AssumeRoleWithWebIdentityCredentials(identity.WebIdentityTokenFile, identity.RoleArn, identity.RoleSessionName)
    {
        protected override Amazon.Runtime.SharedInterfaces.ICoreAmazonSTS CreateClient() =>
            new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
    }
}
