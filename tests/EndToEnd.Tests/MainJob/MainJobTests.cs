using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.MainJob;

/// <summary>
/// The main job as README's example runs it: a registry that requires credentials, the proxy holding them,
/// the executor building examples/hello through the proxy; the result read by skopeo and umoci and run by podman.
/// </summary>
public sealed class MainJobTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_example_is_built_through_the_proxy_pushed_and_runs()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var credentials = registry.Credentials!;
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.V2s2, _none);
        await using var proxy = await CredProxyProcess.StartAsync(ProxyEnvironment(registry.Host, credentials), [], _none);
        using var work = TempDirectory.Create("main-job");
        var destination = registry.Reference("example/hello", "1.0");

        var build = await Programs.RunExecutorAsync(
            [
                "--context", Path.Combine(Kaniko.TestKit.TestBed.RepoRoot, "examples", "hello"),
                "--destination", destination,
                "--build-arg", $"BASE={baseImage}",
                "--registry-proxy", proxy.Address.ToString(),
                "--root", work.Combine("root"),
                "--kaniko-dir", work.Combine("kaniko"),
                "--digest-file", work.Combine("digest"),
            ],
            _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}\nproxy:\n{proxy.Output}");
        var digest = File.ReadAllText(work.Combine("digest"));
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        Assert.Contains(digest, build.StandardError, StringComparison.Ordinal);

        // skopeo: manifest and config as another tool reads them.
        using var inspect = await Skopeo.InspectAsync(destination, credentials, _none);
        Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
        using var config = await Skopeo.InspectConfigAsync(destination, credentials, _none);
        var containerConfig = config.RootElement.GetProperty("config");
        var env = containerConfig.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("GREETING=Hello from the executor", env);
        Assert.Contains("APP_HOME=/app", env);
        Assert.Equal(["/app/greeting.sh"], containerConfig.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/app", containerConfig.GetProperty("WorkingDir").GetString());
        Assert.Equal("nobody", containerConfig.GetProperty("User").GetString());
        var history = config.RootElement.GetProperty("history").EnumerateArray().ToList();
        using var baseConfig = await Skopeo.InspectConfigAsync(baseImage, credentials, _none);
        var baseHistory = baseConfig.RootElement.TryGetProperty("history", out var h) ? h.GetArrayLength() : 0;
        const int instructionsAfterFrom = 8;
        Assert.Equal(baseHistory + instructionsAfterFrom, history.Count);
        var layerHistory = history.Count(h => !h.TryGetProperty("empty_layer", out var empty) || !empty.GetBoolean());
        Assert.Equal(inspect.RootElement.GetProperty("Layers").GetArrayLength(), layerHistory);

        // umoci: the files from RUN and COPY are there, the deleted one is gone.
        var unpacked = await Umoci.UnpackAsync(destination, credentials, work.CreateSubdirectory("umoci"), _none);
        var rootfs = unpacked.RootfsDirectory;
        Assert.Equal("colour=blue\n", File.ReadAllText(Path.Combine(rootfs, "app/config/app.conf")));
        Assert.StartsWith("built on ", File.ReadAllText(Path.Combine(rootfs, "app/build-info.txt")), StringComparison.Ordinal);
        Assert.Equal("ready\n", File.ReadAllText(Path.Combine(rootfs, "var/lib/example/state")));
        Assert.True(File.Exists(Path.Combine(rootfs, "bin/sh")) || new FileInfo(Path.Combine(rootfs, "bin/sh")).LinkTarget is not null);
        Assert.False(File.Exists(Path.Combine(rootfs, "bin/su")) || new FileInfo(Path.Combine(rootfs, "bin/su")).LinkTarget is not null, "/bin/su was deleted by a RUN step");
        Assert.True(File.GetUnixFileMode(Path.Combine(rootfs, "app/greeting.sh")).HasFlag(UnixFileMode.OtherExecute));

        // podman: CMD prints what it should.
        using var podman = Podman.For(registry);
        var run = await podman.RunAsync(destination, [], credentials, _none);
        Assert.Equal(
            ["Hello from the executor", "config: colour=blue", "built on x86_64"],
            run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The secret is nowhere the executor could have put it.
        var secret = credentials.Password;
        Assert.DoesNotContain(secret, build.StandardOutput + build.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, proxy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, config.RootElement.GetRawText(), StringComparison.Ordinal);
        AssertTreeDoesNotContain(work.Combine("root"), secret);
        await AssertBuiltLayersDoNotContainAsync(registry, destination, baseImage, credentials, secret);
    }

    [Fact]
    public async Task Wrong_credentials_give_an_error_naming_registry_and_repository_without_the_secret()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        var wrong = new RegistryCredentials(registry.Username!, "not-the-password-" + Guid.NewGuid().ToString("N"));
        await using var proxy = await CredProxyProcess.StartAsync(ProxyEnvironment(registry.Host, wrong), [], _none);
        using var work = TempDirectory.Create("wrong-creds");

        var build = await Programs.RunExecutorAsync(
            [
                "--context", Path.Combine(Kaniko.TestKit.TestBed.RepoRoot, "examples", "hello"),
                "--destination", registry.Reference("example/hello", "1.0"),
                "--build-arg", $"BASE={baseImage}",
                "--registry-proxy", proxy.Address.ToString(),
                "--root", work.Combine("root"),
                "--kaniko-dir", work.Combine("kaniko"),
            ],
            _none);

        Assert.NotEqual(0, build.ExitCode);
        var output = build.StandardOutput + build.StandardError;
        Assert.Contains(registry.Host, output, StringComparison.Ordinal);
        Assert.Contains("example/hello", output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong.Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong.Password, proxy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destination_outside_the_proxy_push_allow_list_fails_before_any_build_step()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        var environment = ProxyEnvironment(registry.Host, registry.Credentials!);
        environment["CI_REGISTRY_IMAGE"] = registry.Host + "/group/project";
        await using var proxy = await CredProxyProcess.StartAsync(environment, [], _none);
        using var work = TempDirectory.Create("outside-allow-list");

        var build = await Programs.RunExecutorAsync(
            [
                "--context", Path.Combine(Kaniko.TestKit.TestBed.RepoRoot, "examples", "hello"),
                "--destination", registry.Reference("group/project/app", "1.0"),
                "--destination", registry.Reference("other/app", "1.0"),
                "--build-arg", $"BASE={baseImage}",
                "--registry-proxy", proxy.Address.ToString(),
                "--root", work.Combine("root"),
                "--kaniko-dir", work.Combine("kaniko"),
            ],
            _none);

        Assert.NotEqual(0, build.ExitCode);
        var output = build.StandardOutput + build.StandardError;
        Assert.Contains($"'{registry.Host}/other/app' is outside the push allow-list", output, StringComparison.Ordinal);
        Assert.Contains("CI_REGISTRY_IMAGE", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("root/app/greeting.sh")), "no build step may run once the claim is refused");
        Assert.Contains("[113]", proxy.Output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ProxyEnvironment(string registryHost, RegistryCredentials credentials) => new()
    {
        ["CI_REGISTRY"] = registryHost,
        ["CI_REGISTRY_USER"] = credentials.Username,
        ["CI_REGISTRY_PASSWORD"] = credentials.Password,
        ["CREDPROXY_INSECURE_REGISTRIES"] = registryHost,
    };

    private static void AssertTreeDoesNotContain(string directory, string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null || info.Length > 64 << 20)
            {
                continue;
            }

            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(needle) < 0, $"the secret is in {file}");
        }
    }

    /// <summary>Reads each layer the build added with .NET's own tar reader (independent of ours) and scans every entry.</summary>
    private static async Task AssertBuiltLayersDoNotContainAsync(RegistryServer registry, string reference, string baseReference, RegistryCredentials credentials, string secret)
    {
        using var manifest = await Skopeo.InspectRawAsync(reference, credentials, _none);
        using var baseManifest = await Skopeo.InspectRawAsync(baseReference, credentials, _none);
        var baseLayers = baseManifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToHashSet();
        var repository = reference[(registry.Host.Length + 1)..reference.LastIndexOf(':')];
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.ToColonForm())));
        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray().Where(l => !baseLayers.Contains(l.GetProperty("digest").GetString())))
        {
            var digest = layer.GetProperty("digest").GetString();
            await using var blob = await http.GetStreamAsync(new Uri(registry.BaseUri, $"v2/{repository}/blobs/{digest}"));
            await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: true) is { } entry)
            {
                Assert.DoesNotContain(secret, entry.Name, StringComparison.Ordinal);
                if (entry.DataStream is { } data)
                {
                    using var buffer = new MemoryStream();
                    await data.CopyToAsync(buffer);
                    Assert.True(buffer.ToArray().AsSpan().IndexOf(needle) < 0, $"the secret is in layer {digest}, entry {entry.Name}");
                }
            }
        }
    }
}
