using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// A token endpoint for registries in token mode: checks Basic credentials and signs RS256 JWTs
/// (x5c header) granting the requested scopes, less what the user may not do. The registry verifies them for real.
/// </summary>
public sealed class TokenIssuer : IAsyncDisposable
{
    public const string Service = "test-registry";
    public const string Issuer = "test-issuer";

    private readonly WebApplication _app;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentQueue<string> _requests = new();

    private TokenIssuer(WebApplication app, RSA key, X509Certificate2 certificate)
    {
        _app = app;
        _key = key;
        _certificate = certificate;
    }

    /// <summary>user → password; users not listed get anonymous (pull-only) tokens.</summary>
    public Dictionary<string, string> Users { get; } = [];

    /// <summary>Users that may only pull.</summary>
    public HashSet<string> PullOnlyUsers { get; } = [];

    public int ExpiresInSeconds { get; set; } = 300;

    /// <summary>Public key of the Google service account whose JWT assertions <c>/google-token</c> accepts.</summary>
    public RSA? GoogleServiceAccountKey { get; set; }

    public Uri GoogleTokenUri => new(Realm, "/google-token");

    /// <summary>Access tokens handed out by <c>/google-token</c>; each is also a password of user oauth2accesstoken.</summary>
    public int GoogleTokensIssued { get; private set; }

    public string CertificatePem => _certificate.ExportCertificatePem();

    public Uri Realm { get; private set; } = null!;

    /// <summary>Each request's scope parameters and user ("-" for anonymous).</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<TokenIssuer> StartAsync(CancellationToken cancellationToken)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=credproxy test token signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var issuer = new TokenIssuer(app, key, certificate);
        app.MapGet("/token", issuer.Handle);
        app.MapPost("/token", (Delegate)issuer.HandleOAuthAsync);
        app.MapPost("/google-token", (Delegate)issuer.HandleGoogleAsync);
        app.MapPost("/oauth2/exchange", (Delegate)issuer.HandleAzureExchangeAsync);
        await app.StartAsync(cancellationToken);
        issuer.Realm = new Uri(app.Urls.First() + "/token");
        return issuer;
    }

    private IResult Handle(HttpContext context)
    {
        var user = Authenticate(context.Request.Headers.Authorization.ToString());
        if (user is null)
        {
            return Results.Unauthorized();
        }

        var scopes = context.Request.Query["scope"].Select(s => s ?? string.Empty).ToList();
        _requests.Enqueue($"{user}|{string.Join(' ', scopes)}|{context.Request.Query["service"]}");
        return Results.Json(new Dictionary<string, object> { ["token"] = Grant(user, scopes), ["expires_in"] = ExpiresInSeconds, ["issued_at"] = DateTimeOffset.UtcNow.ToString("O") });
    }

    /// <summary>Refresh tokens (docker config identity tokens) the OAuth2 POST variant accepts, and their user.</summary>
    public ConcurrentDictionary<string, string> RefreshTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Each OAuth2 POST's form fields.</summary>
    public ConcurrentQueue<Dictionary<string, string>> OAuthRequests { get; } = new();

    /// <summary>The distribution token spec's OAuth2 variant: POST a form, <c>grant_type=refresh_token</c>.</summary>
    private async Task<IResult> HandleOAuthAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        OAuthRequests.Enqueue(fields);
        if (fields.GetValueOrDefault("grant_type") != "refresh_token" || string.IsNullOrEmpty(fields.GetValueOrDefault("client_id"))
            || !RefreshTokens.TryGetValue(fields.GetValueOrDefault("refresh_token") ?? string.Empty, out var user))
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant" }, statusCode: 401);
        }

        var scopes = (fields.GetValueOrDefault("scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        return Results.Json(new Dictionary<string, object> { ["access_token"] = Grant(user, scopes), ["expires_in"] = ExpiresInSeconds, ["scope"] = string.Join(' ', scopes) });
    }

    private string Grant(string user, IReadOnlyList<string> scopes)
    {
        var access = new JsonArray();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = scope.Split(':');
            if (parts.Length != 3 || parts[0] != "repository")
            {
                continue;
            }

            var actions = parts[2].Split(',').Where(a => a == "pull" || (a == "push" && user != "-" && !PullOnlyUsers.Contains(user)));
            access.Add(new JsonObject
            {
                ["type"] = "repository",
                ["name"] = parts[1],
                ["actions"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]),
            });
        }

        return Sign(user, access);
    }

    /// <summary>Entra ID access tokens the ACR-style <c>/oauth2/exchange</c> accepts.</summary>
    public Func<string, bool> AcceptAzureToken { get; set; } = _ => false;

    /// <summary>ACR's exchange: an Entra ID token for a refresh token, the password of the all-zero user.</summary>
    private async Task<IResult> HandleAzureExchangeAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["grant_type"] != "access_token" || !AcceptAzureToken(form["access_token"].ToString()))
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "unauthorized" }, statusCode: 401);
        }

        var refresh = "acr-refresh-" + Guid.NewGuid().ToString("N");
        TestSecrets.AddBasic("00000000-0000-0000-0000-000000000000", refresh);
        lock (Users)
        {
            Users["00000000-0000-0000-0000-000000000000"] = refresh;
        }

        return Results.Json(new Dictionary<string, string> { ["refresh_token"] = refresh });
    }

    /// <summary>OAuth2 JWT-bearer grant as Google's token endpoint does it: verify the RS256 assertion, hand out an access token.</summary>
    private async Task<IResult> HandleGoogleAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var assertion = form["assertion"].ToString().Split('.');
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || assertion.Length != 3 || GoogleServiceAccountKey is null
            || !GoogleServiceAccountKey.VerifyData(Encoding.ASCII.GetBytes(assertion[0] + "." + assertion[1]), FromBase64Url(assertion[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant" }, statusCode: 400);
        }

        var accessToken = "ya29.test-" + Guid.NewGuid().ToString("N");
        TestSecrets.AddBasic("oauth2accesstoken", accessToken);
        lock (Users)
        {
            Users["oauth2accesstoken"] = accessToken;
            GoogleTokensIssued++;
        }

        return Results.Json(new Dictionary<string, object> { ["access_token"] = accessToken, ["expires_in"] = 3600, ["token_type"] = "Bearer" });
    }

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }

    private string? Authenticate(string header)
    {
        if (header.Length == 0)
        {
            return "-";
        }

        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
        return Users.TryGetValue(pair[0], out var password) && password == pair[1] ? pair[0] : null;
    }

    private string Sign(string user, JsonArray access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject
        {
            ["alg"] = "RS256",
            ["typ"] = "JWT",
            ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
        };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = user,
            ["aud"] = Service,
            ["exp"] = now + ExpiresInSeconds,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var jwt = signingInput + "." + Base64Url(signature);
        TestSecrets.Add(jwt);
        return jwt;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }
}
