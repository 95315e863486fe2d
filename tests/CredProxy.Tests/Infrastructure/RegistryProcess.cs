using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// A real Debian <c>docker-registry</c> on a free loopback port, in htpasswd or token mode.
/// Private stand-in until the shared TestKit registry fixture lands.
/// </summary>
public sealed class RegistryProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _root;

    private RegistryProcess(Process process, string root, int port)
    {
        _process = process;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public Uri Endpoint => new($"http://{Host}");

    public static Task<RegistryProcess> StartHtpasswdAsync(string user, string password, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("credproxy-reg-").FullName;
        var htpasswd = Path.Combine(root, "htpasswd");
        File.WriteAllText(htpasswd, Run("htpasswd", "-Bbn", user, password));
        return StartAsync(root, $"auth: {{htpasswd: {{realm: test, path: {htpasswd}}}}}", cancellationToken);
    }

    /// <summary>Token mode: the registry trusts <paramref name="signerCertPem"/> and sends clients to <paramref name="realm"/>.</summary>
    public static Task<RegistryProcess> StartTokenAsync(string realm, string service, string issuer, string signerCertPem, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("credproxy-reg-").FullName;
        var bundle = Path.Combine(root, "signer.crt");
        File.WriteAllText(bundle, signerCertPem);
        return StartAsync(root, $"auth: {{token: {{realm: \"{realm}\", service: \"{service}\", issuer: \"{issuer}\", rootcertbundle: {bundle}}}}}", cancellationToken);
    }

    public static Task<RegistryProcess> StartOpenAsync(CancellationToken cancellationToken) =>
        StartAsync(Directory.CreateTempSubdirectory("credproxy-reg-").FullName, string.Empty, cancellationToken);

    private static async Task<RegistryProcess> StartAsync(string root, string authYaml, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var config = Path.Combine(root, "config.yml");
        await File.WriteAllTextAsync(config, $$$"""
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage: {filesystem: {rootdirectory: {{{Path.Combine(root, "data")}}}}, delete: {enabled: true}}
            http: {addr: 127.0.0.1:{{{port}}}, secret: test-secret}
            {{{authYaml}}}
            """, cancellationToken);
        var info = new ProcessStartInfo("docker-registry") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(config);
        var process = Process.Start(info) ?? throw new InvalidOperationException("docker-registry did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var registry = new RegistryProcess(process, root, port);
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/v2/", cancellationToken);
                return registry;
            }
            catch (HttpRequestException) when (!process.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        await registry.DisposeAsync();
        throw new InvalidOperationException("docker-registry did not become ready");
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
