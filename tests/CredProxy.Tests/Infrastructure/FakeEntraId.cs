using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Identity.Client;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// A local Entra ID token endpoint over https (self-signed, trusted only through <see cref="HttpClientFactory"/>):
/// client credentials with a secret, the fixed federated assertion, or a JWT assertion signed with
/// <see cref="ClientCertificate"/> (checked as Entra ID does: signature, <c>x5t</c>, audience, issuer, expiry).
/// </summary>
public sealed class FakeEntraId : IAsyncDisposable
{
    public const string Tenant = "test-tenant";
    public const string ClientId = "test-client";
    public const string ClientSecret = "entra-Secret-123";
    public const string FederatedAssertion = "federated.jwt.assertion";
    public const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;

    private FakeEntraId(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
        HttpClientFactory = new TrustingFactory(certificate);
    }

    public Uri AuthorityHost { get; private set; } = null!;

    /// <summary>Access tokens handed out; the fake ACR exchange accepts these.</summary>
    public ConcurrentDictionary<string, bool> IssuedTokens { get; } = new();

    public IMsalHttpClientFactory HttpClientFactory { get; }

    /// <summary>The certificate registered for the application (public part); null accepts no certificate assertion.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Certificate assertions that verified, with the token endpoint they were sent to.</summary>
    public ConcurrentQueue<VerifiedAssertion> CertificateAssertions { get; } = new();

    public static async Task<FakeEntraId> StartAsync(CancellationToken cancellationToken)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate)));
        var app = builder.Build();
        var fake = new FakeEntraId(app, certificate);
        app.MapPost("/{tenant}/oauth2/v2.0/token", (Delegate)fake.TokenAsync);
        await app.StartAsync(cancellationToken);
        fake.AuthorityHost = new Uri(app.Urls.First() + "/");
        return fake;
    }

    private async Task<IResult> TokenAsync(HttpContext context, string tenant)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var assertion = form["client_assertion"].ToString();
        TestSecrets.Add(assertion);
        var endpoint = $"{AuthorityHost}{tenant}/oauth2/v2.0/token";
        var authenticated = form["client_secret"] == ClientSecret
            || assertion == FederatedAssertion
            || (form["client_assertion_type"] == JwtBearer && VerifyCertificateAssertion(assertion, endpoint));
        if (tenant != Tenant || form["client_id"] != ClientId || form["grant_type"] != "client_credentials" || !authenticated)
        {
            return Results.Json(new Dictionary<string, object> { ["error"] = "invalid_client", ["error_description"] = "AADSTS7000215: Invalid client secret provided.", ["error_codes"] = new[] { 7000215 } }, statusCode: 401);
        }

        if (form["scope"] != "https://containerregistry.azure.net/.default")
        {
            return Results.Json(new Dictionary<string, object> { ["error"] = "invalid_scope" }, statusCode: 400);
        }

        var token = "aad-" + Guid.NewGuid().ToString("N");
        TestSecrets.Add(token);
        IssuedTokens[token] = true;
        return Results.Json(new Dictionary<string, object> { ["token_type"] = "Bearer", ["expires_in"] = 3600, ["ext_expires_in"] = 3600, ["access_token"] = token });
    }

    private bool VerifyCertificateAssertion(string jwt, string endpoint)
    {
        var parts = jwt.Split('.');
        if (ClientCertificate is null || parts.Length != 3)
        {
            return false;
        }

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var alg = header.RootElement.GetProperty("alg").GetString();
        var padding = alg switch { "RS256" => RSASignaturePadding.Pkcs1, "PS256" => RSASignaturePadding.Pss, _ => null };
        using var key = ClientCertificate.GetRSAPublicKey()!;
        var signed = padding is not null && key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, padding);

        // x5t is the base64url SHA-1 thumbprint; MSAL 4.92 sends x5t#S256 (SHA-256) with PS256 to Entra ID instead.
        var thumbprint = header.RootElement.TryGetProperty("x5t", out var x5t)
            ? x5t.GetString() == Base64Url.EncodeToString(ClientCertificate.GetCertHash(HashAlgorithmName.SHA1))
            : header.RootElement.TryGetProperty("x5t#S256", out var x5tS256) && x5tS256.GetString() == Base64Url.EncodeToString(ClientCertificate.GetCertHash(HashAlgorithmName.SHA256));
        var claims = payload.RootElement;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var valid = signed && thumbprint
            && claims.GetProperty("aud").GetString() == endpoint
            && claims.GetProperty("iss").GetString() == ClientId
            && claims.GetProperty("sub").GetString() == ClientId
            && NumericDate(claims.GetProperty("exp")) > now
            && claims.GetProperty("jti").GetString() is { Length: > 0 };
        if (valid)
        {
            CertificateAssertions.Enqueue(new VerifiedAssertion(alg!, header.RootElement.TryGetProperty("x5t", out _) ? "x5t" : "x5t#S256", claims.GetProperty("aud").GetString()!));
        }

        return valid;
    }

    /// <summary>MSAL writes <c>exp</c> as a JSON string of the seconds, JWT libraries as a number: accept both.</summary>
    private static long NumericDate(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetInt64();

    public sealed record VerifiedAssertion(string Algorithm, string ThumbprintHeader, string Audience);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private sealed class TrustingFactory(X509Certificate2 trusted) : IMsalHttpClientFactory
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trusted.GetCertHashString() },
        });

        public HttpClient GetHttpClient() => _client;
    }
}
