using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kaniko.TestKit;

/// <summary>
/// A real docker-registry (distribution 2.8) on a free 127.0.0.1 port, with its own storage and config
/// in a temp folder. Disposal kills it and deletes the folder.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private static readonly TimeSpan _readyTimeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory;
    private BackgroundProcess? _process;

    private RegistryServer(RegistryServerOptions options, TempDirectory directory)
    {
        Options = options;
        _directory = directory;
    }

    public RegistryServerOptions Options { get; }

    public RegistryAuthMode Mode => Options.Mode;

    /// <summary><c>127.0.0.1:PORT</c>, the registry part of image references.</summary>
    public string Host { get; private set; } = "";

    /// <summary><c>http://HOST/</c>, or <c>https://HOST/</c> in TLS mode.</summary>
    public Uri BaseUri => new($"{(Options.Tls ? "https" : "http")}://{Host}/");

    /// <summary>TLS mode: PEM of the self-signed server certificate (also its own CA), else null.</summary>
    public string? CertificatePath { get; private set; }

    /// <summary>
    /// Variables that make a child process trust this registry: <c>SSL_CERT_FILE</c> in TLS mode
    /// (it replaces the system bundle for .NET and OpenSSL), else empty.
    /// </summary>
    public IReadOnlyDictionary<string, string?> TrustEnvironment =>
        CertificatePath is null
            ? new Dictionary<string, string?>()
            : new Dictionary<string, string?> { ["SSL_CERT_FILE"] = CertificatePath };

    /// <summary>The accepted user (Htpasswd and Token modes), else null.</summary>
    public string? Username => Credentials?.Username;

    public string? Password => Credentials?.Password;

    public RegistryCredentials? Credentials { get; private set; }

    /// <summary>The token endpoint in Token mode, else null.</summary>
    public TokenIssuer? TokenIssuer { get; private set; }

    /// <summary>The registry's storage root.</summary>
    public string DataDirectory => _directory.Combine("data");

    public string ConfigPath => _directory.Combine("config.yml");

    /// <summary>What the registry printed so far (for failure messages).</summary>
    public string Log => _process?.Output ?? "";

    /// <summary>
    /// The requests the registry served so far, oldest first; needs <see cref="RegistryServerOptions.AccessLog"/>.
    /// The log is written shortly after each response: poll or wait briefly before asserting.
    /// </summary>
    public IReadOnlyList<RegistryRequest> Requests
    {
        get
        {
            if (!Options.AccessLog)
            {
                throw new InvalidOperationException("Start the registry with AccessLog = true to record requests.");
            }

            return
            [
                .. Log.Split('\n')
                    .Select(RegistryRequest.TryParse)
                    .OfType<RegistryRequest>()
                    .Where(r => r.UserAgent != RegistryRequest.ProbeUserAgent),
            ];
        }
    }

    /// <summary><c>127.0.0.1:PORT/REPOSITORY:TAG</c>.</summary>
    public string Reference(string repository, string tag) => $"{Host}/{repository}:{tag}";

    /// <summary>An HttpClient that trusts this registry's certificate in TLS mode (caller disposes it).</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new HttpClientHandler();
        if (CertificatePath is not null)
        {
            var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.RawData.AsSpan().SequenceEqual(trusted.RawData);
        }

        return new HttpClient(handler, disposeHandler: true);
    }

    public static Task<RegistryServer> StartAsync(RegistryAuthMode mode, CancellationToken cancellationToken) =>
        StartAsync(new RegistryServerOptions { Mode = mode }, cancellationToken);

    public static async Task<RegistryServer> StartAsync(RegistryServerOptions options, CancellationToken cancellationToken)
    {
        await TestBed.EnsureInstalledAsync(cancellationToken);
        var server = new RegistryServer(options, TempDirectory.Create("registry"));
        try
        {
            await server.StartCoreAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        if (TokenIssuer is not null)
        {
            await TokenIssuer.DisposeAsync();
        }

        _directory.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        var auth = "";
        if (Options.Mode != RegistryAuthMode.Plain)
        {
            Credentials = new RegistryCredentials(
                Options.Username, Options.Password ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant());
        }

        switch (Options.Mode)
        {
            case RegistryAuthMode.Htpasswd:
                var htpasswdPath = _directory.Combine("htpasswd");
                var lines = new List<string>();
                foreach (var (user, password) in AllUsers())
                {
                    var htpasswd = await ProcessRunner.RunAsync("htpasswd", ["-Bbn", user, password], cancellationToken);
                    lines.Add(htpasswd.StandardOutput.Trim());
                }

                await File.WriteAllLinesAsync(htpasswdPath, lines, cancellationToken);
                auth = $"""
                    auth:
                      htpasswd:
                        realm: testbed
                        path: "{htpasswdPath}"
                    """;
                break;
            case RegistryAuthMode.Token:
                TokenIssuer = await TokenIssuer.StartAsync(
                    new TokenIssuerOptions
                    {
                        Users = AllUsers(),
                        Policy = Options.TokenPolicy,
                        Service = Options.Service,
                        Issuer = Options.Issuer,
                        TokenLifetime = Options.TokenLifetime,
                        Directory = _directory.CreateSubdirectory("token"),
                    },
                    cancellationToken);
                auth = $"""
                    auth:
                      token:
                        realm: "{TokenIssuer.Realm}"
                        service: "{Options.Service}"
                        issuer: "{Options.Issuer}"
                        rootcertbundle: "{TokenIssuer.CertificatePath}"
                    """;
                break;
        }

        var tls = "";
        if (Options.Tls)
        {
            (CertificatePath, var keyPath) = WriteSelfSignedCertificate(_directory.Path);
            tls = $"""
                  tls:
                    certificate: "{CertificatePath}"
                    key: "{keyPath}"
                """;
        }

        await File.WriteAllTextAsync(
            ConfigPath,
            $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: {(Options.AccessLog ? "false" : "true")}
            storage:
              filesystem:
                rootdirectory: "{DataDirectory}"
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:5000
              secret: testbed-secret
            {tls}
            {auth}

            """,
            cancellationToken);

        using var http = CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(2);
        http.DefaultRequestHeaders.UserAgent.ParseAdd(RegistryRequest.ProbeUserAgent);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var process = BackgroundProcess.Start(
                "docker-registry",
                ["serve", ConfigPath],
                new ProcessOptions { Environment = new Dictionary<string, string?> { ["REGISTRY_HTTP_ADDR"] = $"127.0.0.1:{port}" } });
            bool ready;
            try
            {
                ready = await WaitReadyAsync(http, process, new Uri(BaseUriFor(port), "v2/"), cancellationToken);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }

            if (ready)
            {
                _process = process;
                Host = $"127.0.0.1:{port}";
                return;
            }

            var output = process.Output;
            await process.DisposeAsync();
            if (attempt >= 5)
            {
                throw new InvalidOperationException(
                    $"docker-registry did not start on 127.0.0.1:{port} (attempt {attempt}):\n{output}");
            }
        }
    }

    private static async Task<bool> WaitReadyAsync(
        HttpClient http, BackgroundProcess process, Uri uri, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < _readyTimeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await http.GetAsync(uri, cancellationToken);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized && !process.HasExited)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(20, cancellationToken);
        }

        return false;
    }

    private Dictionary<string, string> AllUsers()
    {
        var users = new Dictionary<string, string>(Options.AdditionalUsers);
        if (Credentials is not null)
        {
            users[Credentials.Username] = Credentials.Password;
        }

        return users;
    }

    private Uri BaseUriFor(int port) => new($"{(Options.Tls ? "https" : "http")}://127.0.0.1:{port}/");

    private static (string CertificatePath, string KeyPath) WriteSelfSignedCertificate(string directory)
    {
        // ECDSA P-256: generated in microseconds, unlike RSA keys, and accepted by Go, OpenSSL and .NET.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var certificatePath = Path.Combine(directory, "registry.crt");
        var keyPath = Path.Combine(directory, "registry.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certificatePath, keyPath);
    }
}
