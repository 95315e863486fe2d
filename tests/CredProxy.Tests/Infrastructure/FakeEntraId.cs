using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Identity.Client;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// A local Entra ID token endpoint over https (self-signed, trusted only through <see cref="HttpClientFactory"/>):
/// client credentials with a secret or a client assertion.
/// </summary>
public sealed class FakeEntraId : IAsyncDisposable
{
    public const string Tenant = "test-tenant";
    public const string ClientId = "test-client";
    public const string ClientSecret = "entra-Secret-123";
    public const string FederatedAssertion = "federated.jwt.assertion";

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
        var authenticated = form["client_secret"] == ClientSecret || form["client_assertion"] == FederatedAssertion;
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
