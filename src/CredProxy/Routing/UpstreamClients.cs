using System.Collections.Frozen;
using System.Net.Security;
using Kaniko.CredProxy.Auth;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Health;
using Kaniko.CredProxy.Tokens;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Routing;

/// <summary>One HTTP client chain per upstream: auth handler over a socket handler that never follows redirects.</summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly FrozenDictionary<string, HttpMessageInvoker> _invokers;
    private readonly List<IDisposable> _owned = [];

    public UpstreamClients(ProxyOptions options, TokenCache cache, TimeProvider time, ProxyMetrics metrics, ILoggerFactory loggers, Microsoft.Identity.Client.IMsalHttpClientFactory? msalHttp = null, Google.Apis.Http.IHttpClientFactory? googleHttp = null)
    {
        var logger = loggers.CreateLogger("Kaniko.CredProxy.Auth");
        var invokers = new Dictionary<string, HttpMessageInvoker>(StringComparer.OrdinalIgnoreCase);
        foreach (var upstream in options.Upstreams)
        {
            var sockets = CreateSocketsHandler(upstream.SkipTlsVerify);
            var transport = new HttpMessageInvoker(sockets, disposeHandler: false);
            var tokenTransport = new HttpMessageInvoker(CreateSocketsHandler(upstream.SkipTlsVerify), disposeHandler: true);
            ICredentialSource credentials = upstream switch
            {
                { CredentialHelper: { } helper } => new CredentialHelperSource(helper, upstream.CredentialHelperServer ?? upstream.Host, time, logger),
                { GoogleCredentialsFile: { } file } => new GoogleCredentialSource(file, logger),
                { GoogleMetadata: true } => new GoogleCredentialSource(null, logger, googleHttp),
                { Azure: { } azure } => new AzureCredentialSource(azure, tokenTransport, msalHttp, logger),
                { Aws: { } aws } => new EcrCredentialSource(aws, tokenTransport, time, logger),
                _ => new StaticCredentialSource(upstream.Credential),
            };
            var authenticator = new UpstreamAuthenticator(upstream, credentials, transport, new TokenClient(tokenTransport, time), cache, metrics, logger);
            var invoker = new HttpMessageInvoker(new AuthHandler(authenticator, logger) { InnerHandler = sockets }, disposeHandler: true);
            _owned.AddRange([transport, tokenTransport, invoker]);
            invokers[upstream.Host] = invoker;
        }

        _invokers = invokers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public HttpMessageInvoker For(UpstreamOptions upstream) => _invokers[upstream.Host];

    public void Dispose()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }
    }

    private static SocketsHttpHandler CreateSocketsHandler(bool skipTlsVerify)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ActivityHeadersPropagator = null,
        };
        if (skipTlsVerify)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            };
        }

        return handler;
    }
}
