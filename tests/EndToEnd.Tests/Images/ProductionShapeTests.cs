using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// The production shape with the project's own images: the credproxy container in front of a registry
/// that requires a password, the executor container (PID 1, its own root replaced by the build) building
/// examples/hello mounted at /workspace and pushing through the proxy. Host network for loopback only.
/// </summary>
[Collection(ProjectImagesCollection.Name)]
public sealed class ProductionShapeTests(ProjectImages images)
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_executor_container_builds_the_example_through_the_credproxy_container()
    {
        var registry = images.Registry;
        var credentials = images.Credentials;
        await using var proxy = await PodmanContainer.StartAsync(
            images.Podman,
            [
                "--network", "host", "--read-only", "--read-only-tmpfs=false", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "-e", $"CI_REGISTRY={registry.Host}", "-e", $"CI_REGISTRY_USER={credentials.Username}",
                "-e", $"CI_REGISTRY_PASSWORD={credentials.Password}", "-e", $"CI_REGISTRY_IMAGE={registry.Host}/example",
                "-e", $"CREDPROXY_INSECURE_REGISTRIES={registry.Host}",
            ],
            images.CredProxy,
            ["--listen", "127.0.0.1:0"],
            "credproxy listening on ",
            _none);
        var proxyUrl = ProxyUrl(proxy.Output);
        var destination = registry.Reference("example/hello", "container");

        var build = await images.Podman.RunPodmanAsync(
            [
                "run", "--rm", "--pull=never", "--network", "host",
                "-v", $"{Path.Combine(TestBed.RepoRoot, "examples", "hello")}:/workspace:ro",
                images.Executor,
                "--destination", destination, "--build-arg", $"BASE={images.Busybox}", "--registry-proxy", proxyUrl,
            ],
            checkExitCode: false,
            _none);

        var output = build.StandardOutput + build.StandardError;
        Assert.True(build.ExitCode == 0, $"executor container failed:\n{output}\nproxy:\n{proxy.Output}");
        Assert.Contains("Deleting the container's own files", output, StringComparison.Ordinal);
        using var inspect = await Skopeo.InspectAsync(destination, credentials, _none);
        var digest = inspect.RootElement.GetProperty("Digest").GetString()!;
        Assert.Contains($"{destination}@{digest}", output, StringComparison.Ordinal);

        var run = await images.Podman.RunPodmanAsync(["run", "--rm", "--tls-verify=false", destination], checkExitCode: true, _none);
        Assert.Equal(DeployFiles.HelloOutput, run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(credentials.Password, output + proxy.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_executor_container_trusts_a_CA_file_added_to_kaniko_ssl_certs()
    {
        // Without the proxy the executor talks TLS itself, with the roots in SSL_CERT_DIR=/kaniko/ssl/certs
        // (kept when the build replaces /etc): a CA file mounted there is trusted next to the bundle.
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true }, _none);
        using var work = TempDirectory.Create("tls-context");
        await File.WriteAllTextAsync(work.Combine("Dockerfile"), "FROM scratch\nCOPY hello.txt /\n");
        await File.WriteAllTextAsync(work.Combine("hello.txt"), "hello\n");
        var destination = registry.Reference("tls/hello", "1");
        List<string> run = ["run", "--rm", "--pull=never", "--network", "host", "-v", $"{work.Path}:/workspace:ro"];
        List<string> executor = [images.Executor, "--destination", destination];

        var untrusted = await images.Podman.RunPodmanAsync([.. run, .. executor], checkExitCode: false, _none);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("TLS", untrusted.StandardOutput + untrusted.StandardError, StringComparison.Ordinal);

        var trusted = await images.Podman.RunPodmanAsync(
            [.. run, "-v", $"{registry.CertificatePath}:/kaniko/ssl/certs/test-registry.crt:ro", .. executor], checkExitCode: false, _none);
        Assert.True(trusted.ExitCode == 0, trusted.StandardOutput + trusted.StandardError);
        using var inspect = await Skopeo.InspectAsync(destination, null, _none);
        Assert.Single(inspect.RootElement.GetProperty("Layers").EnumerateArray());
    }

    /// <summary>The address from the proxy's "credproxy listening on URL" line.</summary>
    internal static string ProxyUrl(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"credproxy listening on (http://127\.0\.0\.1:[0-9]+)").Groups[1].Value is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException($"no listening line in:\n{output}");
}
