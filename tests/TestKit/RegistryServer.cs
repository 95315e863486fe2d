using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;

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

    public Uri BaseUri => new($"http://{Host}/");

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

    /// <summary><c>127.0.0.1:PORT/REPOSITORY:TAG</c>.</summary>
    public string Reference(string repository, string tag) => $"{Host}/{repository}:{tag}";

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
                var htpasswd = await ProcessRunner.RunAsync(
                    "htpasswd", ["-Bbn", Credentials!.Username, Credentials.Password], cancellationToken);
                var htpasswdPath = _directory.Combine("htpasswd");
                await File.WriteAllTextAsync(htpasswdPath, htpasswd.StandardOutput, cancellationToken);
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
                        Users = new Dictionary<string, string> { [Credentials!.Username] = Credentials.Password },
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

        await File.WriteAllTextAsync(
            ConfigPath,
            $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: "{DataDirectory}"
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:5000
              secret: testbed-secret
            {auth}

            """,
            cancellationToken);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var process = BackgroundProcess.Start(
                "docker-registry",
                ["serve", ConfigPath],
                new ProcessOptions { Environment = new Dictionary<string, string?> { ["REGISTRY_HTTP_ADDR"] = $"127.0.0.1:{port}" } });
            if (await WaitReadyAsync(http, process, port, cancellationToken))
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
        HttpClient http, BackgroundProcess process, int port, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var uri = new Uri($"http://127.0.0.1:{port}/v2/");
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
}
