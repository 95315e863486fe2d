using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>
/// A private docker-registry (distribution 2.8) on a free loopback port, for these tests until TestKit's fixture
/// lands. Plain or htpasswd; can be stopped and started again on the same storage.
/// </summary>
internal sealed class LocalRegistry : IDisposable
{
    public const string User = "tester";
    public const string Password = "s3cret-pass";

    private readonly string _configPath;
    private Process? _process;

    private LocalRegistry(string root, int port, string configPath)
    {
        Root = root;
        Port = port;
        _configPath = configPath;
    }

    public string Root { get; }

    public string Scheme { get; private init; } = "http";

    public int Port { get; }

    /// <summary>host:port as used in image references.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public string StorageDir => Path.Combine(Root, "data");

    public static async Task<LocalRegistry> StartAsync(bool htpasswd = false, CancellationToken cancellationToken = default) =>
        await StartAsync(htpasswd, token: null, cancellationToken);

    /// <summary>A registry that accepts bearer tokens from <paramref name="token"/> (token auth, as GitLab or GHCR).</summary>
    public static async Task<LocalRegistry> StartAsync(bool htpasswd, TokenServer? token, CancellationToken cancellationToken, bool tls = false)
    {
        var root = Directory.CreateTempSubdirectory("kaniko-reg-").FullName;
        var port = FreePort();
        var auth = "";
        if (htpasswd)
        {
            var file = Path.Combine(root, "htpasswd");
            var (code, output) = await RunAsync("htpasswd", ["-Bbn", User, Password], cancellationToken);
            Assert.True(code == 0, output);
            await File.WriteAllTextAsync(file, output.Trim() + "\n", cancellationToken);
            auth = $"auth: {{htpasswd: {{realm: test, path: {file}}}}}\n";
        }

        if (token is not null)
        {
            var bundle = Path.Combine(root, "signer.crt");
            await File.WriteAllTextAsync(bundle, token.CertificatePem, cancellationToken);
            auth = $"auth: {{token: {{realm: {token.Realm}, service: {TokenServer.Service}, issuer: {TokenServer.Issuer}, rootcertbundle: {bundle}}}}}\n";
        }

        var tlsConfig = "";
        if (tls)
        {
            using var key = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(root, "cert.pem"), certificate.ExportCertificatePem(), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(root, "key.pem"), key.ExportPkcs8PrivateKeyPem(), cancellationToken);
            tlsConfig = $", tls: {{certificate: {Path.Combine(root, "cert.pem")}, key: {Path.Combine(root, "key.pem")}}}";
        }

        var config = Path.Combine(root, "config.yml");
        await File.WriteAllTextAsync(
            config,
            "version: 0.1\n"
            + "log: {level: error, accesslog: {disabled: true}}\n"
            + $"storage: {{filesystem: {{rootdirectory: {Path.Combine(root, "data")}}}, delete: {{enabled: true}}}}\n"
            + $"http: {{addr: 127.0.0.1:{port}, secret: test-secret{tlsConfig}}}\n"
            + auth,
            cancellationToken);
        var registry = new LocalRegistry(root, port, config) { Scheme = tls ? "https" : "http" };
        await registry.StartAgainAsync(cancellationToken);
        return registry;
    }

    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("docker-registry", ["serve", _configPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start docker-registry");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler);
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var response = await http.GetAsync($"{Scheme}://{Host}/v2/", cancellationToken);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(25, cancellationToken);
        }

        throw new InvalidOperationException($"docker-registry did not come up on {Host}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>The file holding a blob in the registry's storage.</summary>
    public string BlobDataPath(Kaniko.Executor.Image.Digest digest) =>
        Path.Combine(StorageDir, "docker/registry/v2/blobs", digest.Algorithm, digest.Encoded[..2], digest.Encoded, "data");

    public bool HasTag(string repository, string tag) =>
        Directory.Exists(Path.Combine(StorageDir, "docker/registry/v2/repositories", repository, "_manifests/tags", tag));

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
