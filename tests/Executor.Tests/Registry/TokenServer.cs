using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>
/// A token endpoint for docker-registry's token auth: checks basic credentials and signs RS256 JWTs granting
/// the requested repository scopes. The registry verifies them for real.
/// </summary>
internal sealed class TokenServer : IDisposable
{
    public const string Service = "test-registry";
    public const string Issuer = "test-issuer";

    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly Task _loop;

    public TokenServer()
    {
        var request = new CertificateRequest("CN=test token signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 60000);
            Realm = $"http://127.0.0.1:{port}/token";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 10)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string Realm { get; private set; } = "";

    public string CertificatePem => _certificate.ExportCertificatePem();

    public List<string> Scopes { get; } = [];

    public void Dispose()
    {
        _listener.Close();
        _ = _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _certificate.Dispose();
        _key.Dispose();
    }

    private async Task ServeAsync()
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

            using var response = context.Response;
            var authorization = context.Request.Headers["Authorization"];
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRegistry.User}:{LocalRegistry.Password}"));
            if (authorization != expected)
            {
                response.StatusCode = 401;
                continue;
            }

            var scopes = context.Request.QueryString.GetValues("scope") ?? [];
            lock (Scopes)
            {
                Scopes.AddRange(scopes);
            }

            var body = Encoding.UTF8.GetBytes(new JsonObject { ["token"] = Sign(scopes), ["expires_in"] = 300 }.ToJsonString());
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body);
        }
    }

    private string Sign(IEnumerable<string> scopes)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var access = new JsonArray();
        foreach (var scope in scopes)
        {
            var parts = scope.Split(':');
            if (parts.Length == 3)
            {
                access.Add(new JsonObject
                {
                    ["type"] = parts[0],
                    ["name"] = parts[1],
                    ["actions"] = new JsonArray(parts[2].Split(',').Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
                });
            }
        }

        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)) };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = LocalRegistry.User,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
