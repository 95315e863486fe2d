using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Azure Container Registry: an Entra ID token for the ACR audience (through MSAL: client secret, client
/// certificate, workload identity federation file, or managed identity), exchanged at the registry's <c>/oauth2/exchange</c> (same
/// origin as its pinned token realm) for an ACR refresh token, used as the password of the all-zero user.
/// </summary>
public sealed class AzureCredentialSource : ICredentialSource
{
    public const string AcrUser = "00000000-0000-0000-0000-000000000000";
    public const string AcrResource = "https://containerregistry.azure.net";
    private static readonly string[] _scopes = [AcrResource + "/.default"];

    private readonly AzureIdentity _identity;
    private readonly Func<CancellationToken, Task<AuthenticationResult>> _acquire;
    private readonly HttpMessageInvoker _http;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>The client certificate MSAL signs assertions with, kept for the source's lifetime.</summary>
    private readonly X509Certificate2? _certificate;
    private string? _exchangedFor;
    private RegistryCredential? _cached;

    public AzureCredentialSource(AzureIdentity identity, HttpMessageInvoker http, IMsalHttpClientFactory? msalHttp, ILogger logger)
    {
        _identity = identity;
        _http = http;
        _logger = logger;
        if (identity.ManagedIdentity is { } managed)
        {
            var id = managed == AzureIdentity.SystemAssigned ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.WithUserAssignedClientId(managed);
            var builder = ManagedIdentityApplicationBuilder.Create(id);
            if (msalHttp is not null)
            {
                builder = builder.WithHttpClientFactory(msalHttp);
            }

            var app = builder.Build();
            _acquire = ct => app.AcquireTokenForManagedIdentity(AcrResource).ExecuteAsync(ct);
        }
        else
        {
            var builder = ConfidentialClientApplicationBuilder.Create(identity.ClientId)
                .WithAuthority(new Uri(identity.AuthorityHost, identity.TenantId).ToString())
                .WithInstanceDiscovery(false);
            if (identity.ClientSecret is { } secret)
            {
                builder = builder.WithClientSecret(secret);
            }
            else if (identity.ClientCertificateFile is { } certificateFile)
            {
                // Checked at start; loaded once here (a renewed certificate needs a restart). MSAL signs a
                // client assertion with it for each token request.
                _certificate = ClientCertificate.TryLoad(certificateFile, identity.ClientCertificatePassword, "the client certificate password", TimeProvider.System, out var problem)
                    ?? throw new InvalidOperationException($"Azure client certificate for {identity.Describe()}: {problem}");
                builder = builder.WithCertificate(_certificate);
            }
            else
            {
                builder = builder.WithClientAssertion(async (CancellationToken ct) => (await File.ReadAllTextAsync(identity.FederatedTokenFile!, ct).ConfigureAwait(false)).Trim());
            }

            if (msalHttp is not null)
            {
                builder = builder.WithHttpClientFactory(msalHttp);
            }

            var app = builder.Build();
            _acquire = ct => app.AcquireTokenForClient(_scopes).ExecuteAsync(ct);
        }
    }

    public async ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken)
    {
        if (challenge?.Realm is null)
        {
            Log.ProviderFailed(_logger, "azure", _identity.Describe(), "the registry sent no token realm to exchange at");
            return null;
        }

        try
        {
            var aad = await _acquire(cancellationToken).ConfigureAwait(false);
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_exchangedFor != aad.AccessToken || _cached is null)
                {
                    _cached = new RegistryCredential(AcrUser, await ExchangeAsync(new Uri(challenge.Realm), challenge.Service, aad.AccessToken, cancellationToken).ConfigureAwait(false));
                    _exchangedFor = aad.AccessToken;
                }

                return _cached;
            }
            finally
            {
                _lock.Release();
            }
        }
        catch (MsalException ex)
        {
            Log.ProviderFailed(_logger, "azure", _identity.Describe(), $"Entra ID answered {ex.ErrorCode}");
            return null;
        }
        catch (Exception ex) when (ex is TokenException or HttpRequestException or JsonException or IOException)
        {
            Log.ProviderFailed(_logger, "azure", _identity.Describe(), ex is TokenException ? ex.Message : ex.GetType().Name);
            return null;
        }
    }

    private async Task<string> ExchangeAsync(Uri realm, string? service, string aadToken, CancellationToken cancellationToken)
    {
        var exchange = new Uri(realm, "/oauth2/exchange");
        using var request = new HttpRequestMessage(HttpMethod.Post, exchange)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "access_token",
                ["service"] = service ?? realm.Host,
                ["tenant"] = _identity.TenantId ?? string.Empty,
                ["access_token"] = aadToken,
            }.Where(f => f.Value.Length > 0)),
        };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenException($"ACR exchange at {exchange.Authority} answered {(int)response.StatusCode}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        return body.RootElement.TryGetProperty("refresh_token", out var token) && token.GetString() is { Length: > 0 } value
            ? value
            : throw new TokenException($"ACR exchange at {exchange.Authority} sent no refresh token");
    }
}
