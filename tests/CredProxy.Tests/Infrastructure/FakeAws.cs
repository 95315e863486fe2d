using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// Local stand-ins for AWS STS (AssumeRoleWithWebIdentity, form-encoded query protocol, XML answers) and the
/// ECR API (GetAuthorizationToken, JSON 1.1): STS checks the role and the token; ECR recomputes each SigV4
/// signature with <see cref="SigV4"/> and answers the registry password only to a valid one.
/// </summary>
public sealed class FakeAws : IAsyncDisposable
{
    public const string Region = "eu-west-1";
    public const string EcrTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Secret, string? SessionToken)> _keys = new(StringComparer.Ordinal);
    private int _issued;

    private FakeAws(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First());

    /// <summary>The registry password that a valid GetAuthorizationToken call gets (user <c>AWS</c>).</summary>
    public required string RegistryPassword { get; init; }

    /// <summary>The role STS lets assume, and the web identity token it accepts.</summary>
    public string RoleArn { get; init; } = "arn:aws:iam::123456789012:role/ci-builder";

    public string? AcceptedWebIdentityToken { get; set; }

    public ConcurrentQueue<Received> StsCalls { get; } = new();

    public ConcurrentQueue<Received> EcrCalls { get; } = new();

    public ConcurrentQueue<string> EcrRefusals { get; } = new();

    /// <summary>Session credentials STS handed out (key id, secret, session token).</summary>
    public ConcurrentQueue<(string KeyId, string Secret, string Token)> Issued { get; } = new();

    public static async Task<FakeAws> StartAsync(string registryPassword, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var aws = new FakeAws(app) { RegistryPassword = registryPassword };
        app.MapPost("/", (Delegate)aws.HandleAsync);
        await app.StartAsync(cancellationToken);
        return aws;
    }

    public void AcceptKey(string keyId, string secret, string? sessionToken = null)
    {
        TestSecrets.Add(secret);
        TestSecrets.Add(sessionToken);
        _keys[keyId] = (secret, sessionToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var received = new Received(context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, body);
        return headers.TryGetValue("x-amz-target", out var target) && target.Length > 0 ? Ecr(received) : Sts(received);
    }

    private IResult Sts(Received request)
    {
        StsCalls.Enqueue(request);
        var form = request.Form;
        if (form.GetValueOrDefault("Action") != "AssumeRoleWithWebIdentity" || form.GetValueOrDefault("Version") != "2011-06-15")
        {
            return StsError(400, "InvalidAction");
        }

        if (form.GetValueOrDefault("RoleArn") != RoleArn)
        {
            return StsError(403, "AccessDenied");
        }

        if (AcceptedWebIdentityToken is null || form.GetValueOrDefault("WebIdentityToken") != AcceptedWebIdentityToken)
        {
            return StsError(400, "InvalidIdentityToken");
        }

        var n = Interlocked.Increment(ref _issued);
        var keyId = $"ASIAFAKE{n:D8}";
        var secret = "sts-Secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var token = "sts-Session-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        TestSecrets.Add(secret);
        TestSecrets.Add(token);
        AcceptKey(keyId, secret, token);
        Issued.Enqueue((keyId, secret, token));
        var expiration = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return Results.Text(
            $"""
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <SubjectFromWebIdentityToken>system:serviceaccount:ci:builder</SubjectFromWebIdentityToken>
                <AssumedRoleUser>
                  <Arn>arn:aws:sts::123456789012:assumed-role/ci-builder/{form.GetValueOrDefault("RoleSessionName")}</Arn>
                  <AssumedRoleId>AROAFAKE:{form.GetValueOrDefault("RoleSessionName")}</AssumedRoleId>
                </AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>{keyId}</AccessKeyId>
                  <SecretAccessKey>{secret}</SecretAccessKey>
                  <SessionToken>{token}</SessionToken>
                  <Expiration>{expiration}</Expiration>
                </Credentials>
                <Audience>sts.amazonaws.com</Audience>
              </AssumeRoleWithWebIdentityResult>
              <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata>
            </AssumeRoleWithWebIdentityResponse>
            """,
            "text/xml");
    }

    private static IResult StsError(int status, string code) =>
        Results.Text(
            $"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>refused by the test</Message></Error><RequestId>1</RequestId></ErrorResponse>""",
            "text/xml",
            statusCode: status);

    private IResult Ecr(Received request)
    {
        EcrCalls.Enqueue(request);
        var refusal = CheckSignature(request);
        if (refusal is not null)
        {
            EcrRefusals.Enqueue(refusal);
            return Results.Json(new Dictionary<string, string> { ["__type"] = "InvalidSignatureException", ["message"] = refusal }, statusCode: 403);
        }

        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + RegistryPassword));
        TestSecrets.Add(token);
        return Results.Text(
            $$"""{"authorizationData":[{"authorizationToken":"{{token}}","expiresAt":{{DateTimeOffset.UtcNow.AddHours(12).ToUnixTimeSeconds()}}.5,"proxyEndpoint":"https://x"}]}""",
            "application/x-amz-json-1.1");
    }

    private string? CheckSignature(Received request)
    {
        if (request.Headers.GetValueOrDefault("x-amz-target") != EcrTarget)
        {
            return "wrong X-Amz-Target";
        }

        if (request.Headers.GetValueOrDefault("content-type") != "application/x-amz-json-1.1" || Encoding.UTF8.GetString(request.Body) != "{}")
        {
            return "wrong content type or body";
        }

        var authorization = request.Headers.GetValueOrDefault("authorization") ?? string.Empty;
        if (SigV4.Parse(authorization) is not { } parts)
        {
            return "no SigV4 Authorization header";
        }

        if (parts.Region != Region || parts.Service != "ecr")
        {
            return $"signed for {parts.Region}/{parts.Service}";
        }

        string[] required = ["content-type", "host", "x-amz-date", "x-amz-target"];
        if (required.Except(parts.SignedHeaders).Any())
        {
            return "content-type, host, x-amz-date and x-amz-target must be signed";
        }

        if (!_keys.TryGetValue(parts.KeyId, out var key))
        {
            return "unknown key";
        }

        if (key.SessionToken is not null
            && (request.Headers.GetValueOrDefault("x-amz-security-token") != key.SessionToken || !parts.SignedHeaders.Contains("x-amz-security-token")))
        {
            return "session token missing, wrong or unsigned";
        }

        var signedValues = parts.SignedHeaders.ToDictionary(h => h, h => request.Headers.GetValueOrDefault(h) ?? string.Empty, StringComparer.Ordinal);
        var at = DateTimeOffset.ParseExact(signedValues["x-amz-date"], "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        var expected = SigV4.Authorization("POST", request.Path, string.Empty, signedValues, request.Body, parts.KeyId, key.Secret, Region, "ecr", at);
        return Normalize(expected) == Normalize(authorization) ? null : "signature does not match";
    }

    private static string Normalize(string authorization) => authorization.Replace(", ", ",", StringComparison.Ordinal);

    /// <summary>One request as the stand-in received it.</summary>
    public sealed record Received(string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public Dictionary<string, string> Form =>
            Encoding.UTF8.GetString(Body).Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : string.Empty, StringComparer.Ordinal);
    }
}
