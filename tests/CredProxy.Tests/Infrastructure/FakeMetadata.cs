using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Identity.Client;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// Local stand-ins for the cloud metadata endpoints: Azure IMDS (managed identity tokens) and Google's
/// metadata server (the workload's service account token). The libraries reach them through their own HTTP
/// injection points (MSAL's <see cref="IMsalHttpClientFactory"/>, Google's HttpClientFactory), whose
/// handler sends every request, still addressed to 169.254.169.254, to this loopback server instead.
/// </summary>
public sealed class FakeMetadata : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _redirected;

    private FakeMetadata(WebApplication app)
    {
        _app = app;
        _redirected = new HttpClient(new RedirectingHandler(new Uri(app.Urls.First())));
        MsalHttpClientFactory = new MsalFactory(_redirected);
        GoogleHttpClientFactory = new GoogleFactory(new Uri(app.Urls.First()));
    }

    /// <summary>Every request received: method, path and query, and the headers that matter.</summary>
    public ConcurrentQueue<(string Target, string? MetadataHeader, string? FlavorHeader, string OriginalHost)> Requests { get; } = new();

    /// <summary>Client ids (or <c>system</c>) IMDS hands tokens to; others get 400 identity_not_found.</summary>
    public HashSet<string> AzureIdentities { get; } = [];

    /// <summary>Access tokens handed out, by platform.</summary>
    public ConcurrentQueue<string> AzureTokens { get; } = new();

    public ConcurrentQueue<string> GoogleTokens { get; } = new();

    /// <summary>Called with each Google token handed out (the test registry learns it as a password).</summary>
    public Action<string>? OnGoogleToken { get; set; }

    public bool GoogleRefuses { get; set; }

    public IMsalHttpClientFactory MsalHttpClientFactory { get; }

    public Google.Apis.Http.IHttpClientFactory GoogleHttpClientFactory { get; }

    public static async Task<FakeMetadata> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeMetadata? fake = null;
        app.Run(context => fake!.Handle(context));
        await app.StartAsync(cancellationToken);
        fake = new FakeMetadata(app);
        return fake;
    }

    private Task Handle(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue((request.Path + request.QueryString, request.Headers["Metadata"].FirstOrDefault(), request.Headers["Metadata-Flavor"].FirstOrDefault(), request.Headers[RedirectingHandler.OriginalHostHeader].ToString()));
        var result = request.Path.Value switch
        {
            "/metadata/identity/oauth2/token" => Azure(request),
            "/computeMetadata/v1/instance/service-accounts/default/token" => Google(request),
            _ => Results.NotFound(),
        };
        return result.ExecuteAsync(context);
    }

    private IResult Azure(HttpRequest request)
    {
        if (request.Headers["Metadata"] != "true" || request.Query["resource"] != "https://containerregistry.azure.net")
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request" }, statusCode: 400);
        }

        var identity = request.Query.ContainsKey("client_id") ? request.Query["client_id"].ToString() : "system";
        if (!AzureIdentities.Contains(identity))
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["error_description"] = "Identity not found" }, statusCode: 400);
        }

        var token = "mi-" + Guid.NewGuid().ToString("N");
        TestSecrets.Add(token);
        AzureTokens.Enqueue(token);
        var expiresOn = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new Dictionary<string, string>
        {
            ["access_token"] = token,
            ["expires_on"] = expiresOn,
            ["expires_in"] = "3600",
            ["resource"] = "https://containerregistry.azure.net",
            ["token_type"] = "Bearer",
            ["client_id"] = identity,
        });
    }

    private IResult Google(HttpRequest request)
    {
        if (request.Headers["Metadata-Flavor"] != "Google" || GoogleRefuses)
        {
            return Results.Text("forbidden", statusCode: 403);
        }

        var token = "ya29.metadata-" + Guid.NewGuid().ToString("N");
        TestSecrets.Add(token);
        GoogleTokens.Enqueue(token);
        OnGoogleToken?.Invoke(token);
        return Results.Json(new Dictionary<string, object> { ["access_token"] = token, ["expires_in"] = 3599, ["token_type"] = "Bearer" });
    }

    public async ValueTask DisposeAsync()
    {
        _redirected.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>Sends each request to the fake, keeping path and query, and tells the fake which host it was for.</summary>
    private sealed class RedirectingHandler(Uri target) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
    {
        public const string OriginalHostHeader = "X-Original-Host";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var original = request.RequestUri!;
            request.Headers.TryAddWithoutValidation(OriginalHostHeader, original.Authority);
            request.RequestUri = new Uri(target, original.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class MsalFactory(HttpClient client) : IMsalHttpClientFactory
    {
        public HttpClient GetHttpClient() => client;
    }

    private sealed class GoogleFactory(Uri target) : Google.Apis.Http.HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(Google.Apis.Http.CreateHttpClientArgs args) => new RedirectingHandler(target);
    }
}
