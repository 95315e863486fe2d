using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Tokens;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Authorizes requests to one upstream: learns its challenge (by pinging <c>/v2/</c> once, or from a 401),
/// adds Basic credentials or a cached bearer token for the predicted scopes, and pins token realms.
/// </summary>
public sealed class UpstreamAuthenticator(
    UpstreamOptions upstream,
    ICredentialSource credentials,
    HttpMessageInvoker transport,
    TokenClient tokens,
    TokenCache cache,
    ProxyMetrics metrics,
    ILogger logger)
{
    private Challenge? _challenge;

    public UpstreamOptions Upstream => upstream;

    public void Learn(Challenge challenge) => Volatile.Write(ref _challenge, challenge);

    /// <summary>Sets <c>Authorization</c> on <paramref name="request"/>; returns why it could not, or null.</summary>
    public async Task<string?> AuthorizeAsync(HttpRequestMessage request, IReadOnlyList<Scope> scopes, bool forceRefresh, CancellationToken cancellationToken)
    {
        var challenge = Volatile.Read(ref _challenge) ?? await PingAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = null;
        switch (challenge?.Scheme)
        {
            case ChallengeScheme.Bearer:
                return await AddBearerAsync(request, challenge, scopes, forceRefresh, cancellationToken).ConfigureAwait(false);
            case ChallengeScheme.Basic or null:
                var credential = await credentials.GetAsync(null, cancellationToken).ConfigureAwait(false);
                if (credential is { IsIdentityToken: true })
                {
                    Log.ProviderFailed(logger, "identitytoken", upstream.Host, "an identity token needs a registry with token auth, this one asks for Basic");
                }
                else if (credential is not null)
                {
                    request.Headers.Authorization = BasicHeader(credential);
                }

                return null;
            default:
                return null;
        }
    }

    private async Task<string?> AddBearerAsync(HttpRequestMessage request, Challenge challenge, IReadOnlyList<Scope> scopes, bool forceRefresh, CancellationToken cancellationToken)
    {
        var refusal = RealmPolicy.Check(upstream, challenge.Realm);
        if (refusal is not null)
        {
            Log.RealmRefused(logger, upstream.Host, refusal);
            return refusal;
        }

        var realm = new Uri(challenge.Realm!);
        var key = $"{upstream.Host}|{challenge.Realm}|{challenge.Service}|{Scope.Describe(scopes)}";
        var credential = await credentials.GetAsync(challenge, cancellationToken).ConfigureAwait(false);
        try
        {
            var token = await cache.GetAsync(
                key,
                ct => FetchCountedAsync(realm, challenge.Service, scopes, credential, ct),
                forceRefresh,
                cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            return null;
        }
        catch (Exception ex) when (ex is TokenException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is TokenException ? ex.Message : $"token endpoint {realm.Authority} unreachable for {Scope.Describe(scopes)}";
            Log.TokenFailed(logger, upstream.Host, reason);
            return reason;
        }
    }

    private async Task<BearerToken> FetchCountedAsync(Uri realm, string? service, IReadOnlyList<Scope> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var succeeded = false;
        try
        {
            var token = await tokens.FetchAsync(realm, service, scopes, credential, cancellationToken).ConfigureAwait(false);
            succeeded = true;
            return token;
        }
        finally
        {
            metrics.TokenFetch(upstream.Host, succeeded);
        }
    }

    private async Task<Challenge?> PingAsync(CancellationToken cancellationToken)
    {
        using var ping = new HttpRequestMessage(HttpMethod.Get, new Uri(upstream.Endpoint, "/v2/"));
        try
        {
            using var response = await transport.SendAsync(ping, cancellationToken).ConfigureAwait(false);
            var challenge = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => Challenge.FromHeaders(response.Headers.WwwAuthenticate),
                _ when response.IsSuccessStatusCode => Challenge.NoAuth,
                _ => null,
            };
            if (challenge is not null)
            {
                Learn(challenge);
                Log.ChallengeLearned(logger, upstream.Host, challenge.Scheme.ToString());
            }

            return challenge;
        }
        catch (HttpRequestException ex)
        {
            Log.PingFailed(logger, upstream.Host, ex.Message);
            return null;
        }
    }

    private static AuthenticationHeaderValue BasicHeader(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
}
