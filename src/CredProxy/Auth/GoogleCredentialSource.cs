using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Google Artifact Registry / GCR: an access token from a credentials file (service account key or
/// workload identity federation), or from the metadata server (the workload's own service account, when
/// <paramref name="credentialsFile"/> is null), sent as user <c>oauth2accesstoken</c>. The library caches
/// and refreshes it.
/// </summary>
/// <param name="http">Test hook: the library's own HTTP client factory (metadata server only).</param>
public sealed class GoogleCredentialSource(string? credentialsFile, ILogger logger, Google.Apis.Http.IHttpClientFactory? http = null) : ICredentialSource
{
    public const string MetadataServer = "metadata server";

    public const string Username = "oauth2accesstoken";
    private const string Scope = "https://www.googleapis.com/auth/cloud-platform";

    private static readonly string[] _allowedTypes = ["service_account", "external_account", "impersonated_service_account"];

    private readonly SemaphoreSlim _lock = new(1, 1);
    private ITokenAccess? _credential;

    public async ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken)
    {
        try
        {
            var credential = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var token = await credential.GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
            return new RegistryCredential(Username, token);
        }
        catch (Exception ex) when (ex is TokenResponseException or IOException or InvalidOperationException or JsonException or HttpRequestException)
        {
            var reason = ex is TokenResponseException tre ? $"token endpoint answered {tre.Error?.Error ?? "an error"}" : ex.GetType().Name;
            Log.ProviderFailed(logger, "google", credentialsFile ?? MetadataServer, reason);
            return null;
        }
    }

    private async Task<ITokenAccess> LoadAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _credential) is { } loaded)
        {
            return loaded;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credential is null && credentialsFile is null)
            {
                var initializer = new ComputeCredential.Initializer();
                if (http is not null)
                {
                    initializer.HttpClientFactory = http;
                }

                Volatile.Write(ref _credential, new ComputeCredential(initializer));
            }
            else if (_credential is null)
            {
                var type = await ReadTypeAsync(cancellationToken).ConfigureAwait(false);
                if (!_allowedTypes.Contains(type))
                {
                    throw new InvalidOperationException($"credential type '{type}' is not supported");
                }

                var credential = await CredentialFactory.FromFileAsync(credentialsFile!, type!, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _credential, credential.CreateScoped(Scope));
            }

            return _credential!;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<string?> ReadTypeAsync(CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(credentialsFile!);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        return document.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
    }
}
