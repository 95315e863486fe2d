using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Registry;

/// <summary>
/// HTTP to registries: URLs (direct or through the registry proxy), authentication challenges, timeouts,
/// stall detection and error mapping. One instance per <see cref="RegistryClient"/>; no retries here.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private const string PushTokenHeader = "Kaniko-Push-Token";
    private static readonly TimeSpan _defaultTokenLifetime = TimeSpan.FromSeconds(60);

    private readonly RegistryClientOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, CachedAuthorization> _authorizations = new(StringComparer.Ordinal);

    public RegistryTransport(RegistryClientOptions options, ILogger logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _logger = logger;
        if (options.RegistryProxy is { } proxy && !proxy.IsAbsoluteUri)
        {
            throw new ArgumentException($"the registry proxy '{proxy}' must be an absolute http(s) URL", nameof(options));
        }

        _http = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("kaniko-dotnet", "1.0"));
    }

    public bool ViaProxy => _options.RegistryProxy is not null;

    public TimeProvider Time => _options.TimeProvider;

    /// <summary>The URL of <paramref name="path"/> (starting with <c>/v2/</c>, may carry a query) for a registry.</summary>
    public Uri BuildUri(string registry, string path)
    {
        if (_options.RegistryProxy is { } proxy)
        {
            var basePath = proxy.GetLeftPart(UriPartial.Path).TrimEnd('/');
            return AppendQuery(new Uri(basePath + path), "ns", registry);
        }

        var scheme = _options.IsInsecure(registry) ? "http" : "https";
        var host = registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        return new Uri($"{scheme}://{host}{path}");
    }

    /// <summary>Resolves an upload Location (absolute or relative); through the proxy it stays on the proxy and keeps <c>ns</c>.</summary>
    public Uri ResolveLocation(Uri requestUri, string registry, string location)
    {
        var resolved = new Uri(requestUri, location);
        if (_options.RegistryProxy is not { } proxy)
        {
            return resolved;
        }

        if (!string.Equals(resolved.Authority, proxy.Authority, StringComparison.OrdinalIgnoreCase) || resolved.Scheme != proxy.Scheme)
        {
            resolved = new UriBuilder(resolved) { Scheme = proxy.Scheme, Host = proxy.Host, Port = proxy.Port }.Uri;
        }

        return HasQuery(resolved, "ns") ? resolved : AppendQuery(resolved, "ns", registry);
    }

    public static Uri AppendQuery(Uri uri, string name, string value)
    {
        var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
        return new Uri(uri.AbsoluteUri + separator + name + "=" + Uri.EscapeDataString(value));
    }

    /// <summary>Sends a request, answering one authentication challenge. Returns any status; throws <see cref="RegistryException"/> on connection errors and timeouts.</summary>
    public async Task<HttpResponseMessage> SendAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        var authorization = CachedAuthorizationFor(request);
        var challenged = false;
        while (true)
        {
            var response = await SendOnceAsync(request, authorization, cancellationToken).ConfigureAwait(false);
            Log.Response(_logger, request.Method.Method, request.Target.Registry, request.Target.Repository, request.Operation, (int)response.StatusCode);
            if (response.StatusCode != HttpStatusCode.Unauthorized || ViaProxy || challenged)
            {
                return response;
            }

            challenged = true;
            var next = await AnswerChallengeAsync(request, response, cancellationToken).ConfigureAwait(false);
            if (next is null)
            {
                return response;
            }

            response.Dispose();
            authorization = next;
        }
    }

    /// <summary>Throws the <see cref="RegistryException"/> for a failed response (and disposes it).</summary>
    public async Task<RegistryException> ErrorAsync(HttpResponseMessage response, RegistryRequest request, CancellationToken cancellationToken)
    {
        using (response)
        {
            return await RegistryErrors.FromResponseAsync(response, request, ViaProxy, _options.Credentials is not null, Time.GetUtcNow(), _options.StallTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler CreateHandler(RegistryClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
        };
        if (options.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (options.SkipTlsVerifyRegistries.Count > 0)
        {
            var hosts = options.SkipTlsVerifyRegistries.Select(HostOf).ToHashSet(StringComparer.OrdinalIgnoreCase);
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, _, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || sender switch
                {
                    HttpRequestMessage { RequestUri: { } uri } => options.SkipTlsVerifyRegistries.Contains(uri.Authority) || hosts.Contains(uri.Host),
                    System.Net.Security.SslStream stream => hosts.Contains(stream.TargetHostName),
                    _ => false,
                };
        }

        return handler;
    }

    /// <summary>The host of a host[:port] registry name (brackets of IPv6 kept).</summary>
    private static string HostOf(string registry)
    {
        var colon = registry.LastIndexOf(':');
        return colon > registry.LastIndexOf(']') && colon > 0 ? registry[..colon] : registry;
    }

    private static bool HasQuery(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&').Any(p => p.StartsWith(name + "=", StringComparison.Ordinal));

    private async Task<HttpResponseMessage> SendOnceAsync(RegistryRequest request, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, request.Uri);
        foreach (var accept in request.Accept)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        message.Headers.Authorization = authorization;
        if (_options.PushToken is { } pushToken && (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch || request.Method == HttpMethod.Delete))
        {
            message.Headers.TryAddWithoutValidation(PushTokenHeader, pushToken);
        }

        if (request.RangeFrom is { } from)
        {
            message.Headers.Range = new RangeHeaderValue(from, null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        StallGuard? guard = null;
        try
        {
            if (request.OpenBody is { } openBody)
            {
                guard = new StallGuard(Time, _options.StallTimeout, () => timeout.Cancel());
                message.Content = new StreamContent(new ProgressStream(openBody(), guard, request.BodyLength), 256 * 1024);
                message.Content.Headers.ContentLength = request.BodyLength;
            }
            else
            {
                if (request.Body is { } body)
                {
                    message.Content = new ReadOnlyMemoryContent(body);
                }

                timeout.CancelAfter(_options.ResponseHeadersTimeout);
            }

            if (message.Content is not null)
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/octet-stream");
            }
            else if (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put)
            {
                message.Content = new ByteArrayContent([]);
            }

            return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw guard is not null
                ? new RegistryException($"{request.Operation}: the upload to {request.Target.Registry} stalled (no progress for {_options.StallTimeout.TotalSeconds:0.#} s)", request.Target.Registry, request.Target.Repository, isTransient: true)
                : RegistryErrors.Timeout(request, _options.ResponseHeadersTimeout, ViaProxy);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException && RegistryErrors.FindInner<InvalidDataException>(e) is { } invalid)
        {
            throw new RegistryException($"{request.Operation}: {invalid.Message}", request.Target.Registry, request.Target.Repository, isTransient: false, innerException: e);
        }
        catch (HttpRequestException e)
        {
            throw RegistryErrors.FromException(e, request, ViaProxy);
        }
        catch (IOException e)
        {
            throw RegistryErrors.FromException(e, request, ViaProxy);
        }
        finally
        {
            guard?.Dispose();
        }
    }

    private AuthenticationHeaderValue? CachedAuthorizationFor(RegistryRequest request)
    {
        if (ViaProxy)
        {
            return null;
        }

        var now = Time.GetUtcNow();
        if (_authorizations.TryGetValue(BearerKey(request), out var bearer) && bearer.ExpiresAt > now)
        {
            return bearer.Header;
        }

        return _authorizations.TryGetValue(BasicKey(request.Target.Registry), out var basic) ? basic.Header : null;
    }

    private static string BearerKey(RegistryRequest request) =>
        $"bearer {request.Target.Registry} {request.Scope} {string.Join(' ', request.ExtraScopes)}";

    private static string BasicKey(string registry) => $"basic {registry}";

    private async Task<AuthenticationHeaderValue?> AnswerChallengeAsync(RegistryRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var challenges = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.Parse(h.Scheme, h.Parameter)).ToList();
        var bearerChallenge = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        var basicChallenge = challenges.FirstOrDefault(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
        var credential = _options.Credentials is { } source
            ? await source.GetCredentialAsync(request.Target.Registry, cancellationToken).ConfigureAwait(false)
            : null;

        if (bearerChallenge is not null)
        {
            var scopes = new List<string> { request.Scope };
            scopes.AddRange(request.ExtraScopes);
            Log.Challenge(_logger, request.Target.Registry, "Bearer", string.Join(' ', scopes));
            var token = credential?.RegistryToken is { } registryToken
                ? (Value: registryToken, ExpiresAt: DateTimeOffset.MaxValue)
                : await FetchTokenAsync(request, bearerChallenge, scopes, credential, cancellationToken).ConfigureAwait(false);
            var header = new AuthenticationHeaderValue("Bearer", token.Value);
            _authorizations[BearerKey(request)] = new CachedAuthorization(header, token.ExpiresAt);
            return header;
        }

        if (basicChallenge is not null && credential is { Username: { } user, Password: { } password })
        {
            Log.Challenge(_logger, request.Target.Registry, "Basic", request.Scope);
            RequireSafeTransport(request, request.Uri, "basic credentials");
            var header = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            _authorizations[BasicKey(request.Target.Registry)] = new CachedAuthorization(header, DateTimeOffset.MaxValue);
            return header;
        }

        return null;
    }

    private async Task<(string Value, DateTimeOffset ExpiresAt)> FetchTokenAsync(RegistryRequest request, AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        if (challenge.Realm is not { } realmText || !Uri.TryCreate(realmText, UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            throw new RegistryException(
                $"{request.Operation}: {request.Target.Registry} sent a bearer challenge without a usable realm ('{challenge.Realm}')",
                request.Target.Registry, request.Target.Repository, 401);
        }

        var uri = realm;
        if (challenge.Service is { } service)
        {
            uri = AppendQuery(uri, "service", service);
        }

        foreach (var scope in scopes)
        {
            uri = AppendQuery(uri, "scope", scope);
        }

        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        if (credential is { IdentityToken: { } refreshToken })
        {
            RequireSafeTransport(request, realm, "an identity token");
            message.Method = HttpMethod.Post;
            message.RequestUri = realm;
            message.Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["service"] = challenge.Service ?? "",
                ["scope"] = string.Join(' ', scopes),
                ["client_id"] = "kaniko",
            });
        }
        else if (credential is { Username: { } user, Password: { } password })
        {
            RequireSafeTransport(request, realm, "basic credentials");
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ResponseHeadersTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException($"{request.Operation}: the token service {realm.Authority} for {request.Target.Registry} did not answer in time", request.Target.Registry, request.Target.Repository, isTransient: true);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{request.Operation}: cannot reach the token service {realm.Authority} for {request.Target.Registry}: {e.Message}", request.Target.Registry, request.Target.Repository, isTransient: true, innerException: e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!RegistryErrors.IsSuccess(response.StatusCode))
            {
                var hint = status is 401 or 403
                    ? credential is null ? "the registry needs credentials" : "check the credentials"
                    : "try again later";
                throw new RegistryException(
                    $"{request.Operation}: the token service {realm.Authority} for {request.Target.Registry} answered HTTP {status} for scope {string.Join(' ', scopes)}: {hint}",
                    request.Target.Registry, request.Target.Repository, status, isTransient: status is 429 or >= 500);
            }

            TokenAnswer? answer;
            try
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                answer = JsonSerializer.Deserialize(bytes, RegistryJsonContext.Default.TokenAnswer);
            }
            catch (JsonException e)
            {
                throw new RegistryException($"{request.Operation}: the token service {realm.Authority} for {request.Target.Registry} sent malformed JSON: {e.Message}", request.Target.Registry, request.Target.Repository, status, innerException: e);
            }

            var token = answer?.Token is { Length: > 0 } t ? t : answer?.AccessToken;
            if (string.IsNullOrEmpty(token))
            {
                throw new RegistryException($"{request.Operation}: the token service {realm.Authority} for {request.Target.Registry} answered without a token", request.Target.Registry, request.Target.Repository, status);
            }

            var lifetime = answer?.ExpiresIn is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : _defaultTokenLifetime;
            return (token, Time.GetUtcNow() + lifetime - TimeSpan.FromSeconds(Math.Min(10, lifetime.TotalSeconds / 2)));
        }
    }

    /// <summary>Credentials go over https only, unless the registry was declared insecure or the peer is on loopback.</summary>
    private void RequireSafeTransport(RegistryRequest request, Uri target, string what)
    {
        if (target.Scheme == Uri.UriSchemeHttps || target.IsLoopback || _options.IsInsecure(request.Target.Registry))
        {
            return;
        }

        throw new RegistryException(
            $"{request.Operation}: refusing to send {what} for {request.Target.Registry} over plain http to {target.Authority}",
            request.Target.Registry, request.Target.Repository, 401);
    }

    private sealed record CachedAuthorization(AuthenticationHeaderValue Header, DateTimeOffset ExpiresAt);
}
