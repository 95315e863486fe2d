using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Kaniko.TestKit;

/// <summary>
/// A Docker-registry token endpoint on 127.0.0.1 (path <c>/token</c>): checks the Basic credentials
/// (or the OAuth2 password / refresh_token form), grants what the policy allows and signs an RS256
/// JWT with an <c>x5c</c> header that docker-registry verifies for real. Every request is recorded.
/// </summary>
public sealed class TokenIssuer : IAsyncDisposable
{
    // RSA key generation costs 0.1 s idle and seconds on a loaded machine: one key per process, imported
    // into each issuer. Every issuer still has its own certificate (random serial), so the registry of one
    // rejects the tokens of another: their x5c is not in its rootcertbundle.
    private static readonly Lazy<byte[]> _sharedPkcs8Key = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKey();
    });

    private readonly HttpListener _listener;
    private readonly TokenIssuerOptions _options;
    private readonly RSA _key;
    private readonly string _certificateDer;
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new();
    private readonly List<TokenRequestRecord> _requests = [];
    private readonly Lock _requestsLock = new();
    private readonly Task _loop;
    private volatile TokenPolicy _policy;
    private int _failuresLeft;
    private int _failureStatus;

    private TokenIssuer(HttpListener listener, int port, TokenIssuerOptions options, RSA key, X509Certificate2 certificate)
    {
        _listener = listener;
        _options = options;
        _key = key;
        _policy = options.Policy;
        _certificateDer = Convert.ToBase64String(certificate.RawData);
        Realm = new Uri($"http://127.0.0.1:{port}/token");
        CertificatePath = Path.Combine(options.Directory, "signer.crt");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem() + "\n");
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The token endpoint, e.g. <c>http://127.0.0.1:PORT/token</c>.</summary>
    public Uri Realm { get; }

    public string Service => _options.Service;

    public string Issuer => _options.Issuer;

    /// <summary>PEM of the signing certificate: the registry's <c>rootcertbundle</c>.</summary>
    public string CertificatePath { get; }

    /// <summary>The policy in force; may be changed while the issuer runs.</summary>
    public TokenPolicy Policy
    {
        get => _policy;
        set => _policy = value;
    }

    /// <summary>A snapshot of the requests received so far, oldest first.</summary>
    public IReadOnlyList<TokenRequestRecord> Requests
    {
        get
        {
            lock (_requestsLock)
            {
                return [.. _requests];
            }
        }
    }

    public void ClearRequests()
    {
        lock (_requestsLock)
        {
            _requests.Clear();
        }
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="statusCode"/> (retry tests).</summary>
    public void FailNextRequests(int count, int statusCode = 503)
    {
        Volatile.Write(ref _failureStatus, statusCode);
        Volatile.Write(ref _failuresLeft, count);
    }

    public static Task<TokenIssuer> StartAsync(TokenIssuerOptions options, CancellationToken cancellationToken)
    {
        var key = RSA.Create();
        key.ImportPkcs8PrivateKey(_sharedPkcs8Key.Value, out _);
        var request = new CertificateRequest(
            "CN=kaniko-testbed-token-signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = options.TimeProvider.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var port = FreePort.Next();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
                continue;
            }

            return Task.FromResult(new TokenIssuer(listener, port, options, key, certificate));
        }
    }

    /// <summary>Signs a token directly (for tests that need one without the HTTP exchange).</summary>
    public string CreateToken(string? subject, string audience, IReadOnlyList<TokenScope> access)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var header = Json(w =>
        {
            w.WriteString("alg", "RS256");
            w.WriteString("typ", "JWT");
            w.WriteStartArray("x5c");
            w.WriteStringValue(_certificateDer);
            w.WriteEndArray();
        });
        var payload = Json(w =>
        {
            w.WriteString("iss", _options.Issuer);
            w.WriteString("sub", subject ?? "");
            w.WriteString("aud", audience);
            w.WriteNumber("exp", (now + _options.TokenLifetime).ToUnixTimeSeconds());
            w.WriteNumber("nbf", now.AddSeconds(-5).ToUnixTimeSeconds());
            w.WriteNumber("iat", now.ToUnixTimeSeconds());
            w.WriteString("jti", Guid.NewGuid().ToString("N"));
            w.WriteStartArray("access");
            foreach (var scope in access)
            {
                w.WriteStartObject();
                w.WriteString("type", scope.Type);
                w.WriteString("name", scope.Name);
                w.WriteStartArray("actions");
                foreach (var action in scope.Actions)
                {
                    w.WriteStringValue(action);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        var signingInput = Base64Url(header) + "." + Base64Url(payload);
        var signature = _key.SignData(
            Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }

        _key.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleSafelyAsync(context));
        }
    }

    private async Task HandleSafelyAsync(HttpListenerContext context)
    {
        try
        {
            await HandleAsync(context);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var url = request.Url?.PathAndQuery ?? "";
        string? grantType = null, clientId = null, account = null, username = null, password = null, service, refreshToken = null;
        var scopes = new List<string>();
        var offline = false;

        if (request.HttpMethod == "POST")
        {
            string body;
            using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }

            var form = ParseQuery(body);
            grantType = First(form, "grant_type");
            clientId = First(form, "client_id");
            service = First(form, "service");
            username = First(form, "username");
            password = First(form, "password");
            refreshToken = First(form, "refresh_token");
            offline = First(form, "access_type") == "offline";
            foreach (var value in All(form, "scope"))
            {
                scopes.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        else
        {
            var query = ParseQuery(request.Url?.Query.TrimStart('?') ?? "");
            clientId = First(query, "client_id");
            account = First(query, "account");
            service = First(query, "service");
            offline = First(query, "offline_token") == "true";
            foreach (var value in All(query, "scope"))
            {
                scopes.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        var usedBasic = false;
        var authorization = request.Headers["Authorization"];
        if (authorization is not null && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            usedBasic = true;
            var decoded = TryDecodeBasic(authorization[6..].Trim());
            if (decoded is { } pair && username is null)
            {
                (username, password) = pair;
            }
        }

        var requested = scopes.Select(TokenScope.TryParse).OfType<TokenScope>().ToArray();
        var status = 200;
        string? subject = null;
        string? failure = null;

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            status = Volatile.Read(ref _failureStatus);
            failure = "injected failure";
        }
        else
        {
            Interlocked.Exchange(ref _failuresLeft, 0);
            if (request.HttpMethod is not ("GET" or "POST") || request.Url?.AbsolutePath != "/token")
            {
                status = request.Url?.AbsolutePath == "/token" ? 405 : 404;
                failure = "not found";
            }
            else if (request.HttpMethod == "POST" && grantType == "refresh_token")
            {
                if (refreshToken is not null && _refreshTokens.TryGetValue(refreshToken, out var owner))
                {
                    subject = owner;
                }
                else
                {
                    status = 401;
                    failure = "invalid refresh token";
                }
            }
            else if (request.HttpMethod == "POST" && grantType is not ("password" or null))
            {
                status = 400;
                failure = $"unsupported grant_type {grantType}";
            }
            else if (username is not null)
            {
                if (password is not null && _options.Users.TryGetValue(username, out var expected) && expected == password)
                {
                    subject = username;
                }
                else
                {
                    status = 401;
                    failure = "incorrect username or password";
                }
            }
        }

        var granted = new List<TokenScope>();
        if (status == 200)
        {
            var policy = _policy;
            foreach (var scope in requested)
            {
                var actions = policy(subject, scope).Where(scope.Actions.Contains).Distinct().ToArray();
                if (actions.Length > 0)
                {
                    granted.Add(scope with { Actions = actions });
                }
            }
        }

        Record(new TokenRequestRecord(
            _options.TimeProvider.GetUtcNow(), request.HttpMethod, url, grantType, clientId, account, username, usedBasic,
            refreshToken is not null, subject is not null, service, requested, granted, status));

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        byte[] bytes;
        if (status != 200)
        {
            if (status == 401)
            {
                response.AddHeader("WWW-Authenticate", "Basic realm=\"testbed-token\"");
            }

            bytes = Json(w =>
            {
                w.WriteString("details", failure);
                w.WriteStartArray("errors");
                w.WriteStartObject();
                w.WriteString("code", status == 401 ? "UNAUTHORIZED" : "DENIED");
                w.WriteString("message", failure);
                w.WriteEndObject();
                w.WriteEndArray();
            });
        }
        else
        {
            var token = CreateToken(subject, service ?? _options.Service, granted);
            string? newRefresh = null;
            if (subject is not null && (offline || grantType == "refresh_token"))
            {
                newRefresh = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                _refreshTokens[newRefresh] = subject;
            }

            var isPost = request.HttpMethod == "POST";
            bytes = Json(w =>
            {
                if (!isPost)
                {
                    w.WriteString("token", token);
                }

                w.WriteString("access_token", token);
                w.WriteNumber("expires_in", (long)_options.TokenLifetime.TotalSeconds);
                w.WriteString("issued_at", _options.TimeProvider.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ"));
                if (isPost)
                {
                    w.WriteString("scope", string.Join(' ', granted));
                }

                if (newRefresh is not null)
                {
                    w.WriteString("refresh_token", newRefresh);
                }
            });
        }

        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private void Record(TokenRequestRecord record)
    {
        lock (_requestsLock)
        {
            _requests.Add(record);
        }
    }

    private static (string User, string Password)? TryDecodeBasic(string parameter)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static List<KeyValuePair<string, string>> ParseQuery(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            result.Add(new(Unescape(name), Unescape(value)));
        }

        return result;
    }

    private static string Unescape(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string? First(List<KeyValuePair<string, string>> pairs, string name) =>
        pairs.FirstOrDefault(p => p.Key == name).Value;

    private static IEnumerable<string> All(List<KeyValuePair<string, string>> pairs, string name) =>
        pairs.Where(p => p.Key == name).Select(p => p.Value);

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
