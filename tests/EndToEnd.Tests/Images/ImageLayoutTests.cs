using System.Text.Json;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>What scripts/build-images.sh made, read by skopeo and umoci (not our code).</summary>
[Collection(ProjectImagesCollection.Name)]
public sealed class ImageLayoutTests(ProjectImages images)
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_script_prints_each_pushed_image_with_its_digest()
    {
        Assert.True(images.Build.ExitCode == 0, images.Build.StandardError);
        foreach (var (name, reference) in new[] { ("IMAGE_EXECUTOR", images.Executor), ("IMAGE_EXECUTOR_DEBUG", images.ExecutorDebug), ("IMAGE_CREDPROXY", images.CredProxy) })
        {
            var printed = images.Printed[name];
            Assert.StartsWith(reference + "@sha256:", printed, StringComparison.Ordinal);
            using var inspect = await Skopeo.InspectAsync(reference, images.Credentials, _none);
            Assert.Equal(printed[(printed.IndexOf('@', StringComparison.Ordinal) + 1)..], inspect.RootElement.GetProperty("Digest").GetString());
        }

        // The executor never saw the password the proxy was given.
        Assert.DoesNotContain(images.Credentials.Password, images.Build.StandardOutput + images.Build.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_executor_image_has_kaniko_s_layout_and_nothing_else()
    {
        using var config = await Skopeo.InspectConfigAsync(images.Executor, images.Credentials, _none);
        var container = config.RootElement.GetProperty("config");
        Assert.Equal(["/kaniko/executor"], Strings(container.GetProperty("Entrypoint")));
        Assert.Equal("/workspace", container.GetProperty("WorkingDir").GetString());
        var env = Strings(container.GetProperty("Env"));
        Assert.Contains("SSL_CERT_DIR=/kaniko/ssl/certs", env);
        Assert.Contains("PATH=/usr/local/bin:/kaniko", env);
        Assert.Contains("HOME=/root", env);

        using var work = TempDirectory.Create("executor-image");
        var rootfs = (await Umoci.UnpackAsync(images.Executor, images.Credentials, work.CreateSubdirectory("unpack"), _none)).RootfsDirectory;
        var files = Directory.EnumerateFileSystemEntries(rootfs, "*", SearchOption.AllDirectories)
            .Select(p => "/" + Path.GetRelativePath(rootfs, p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["/etc", "/etc/nsswitch.conf", "/kaniko", "/kaniko/executor", "/kaniko/ssl", "/kaniko/ssl/certs", "/kaniko/ssl/certs/ca-certificates.crt", "/workspace"],
            files);
        Assert.True(File.GetUnixFileMode(Path.Combine(rootfs, "kaniko/executor")).HasFlag(UnixFileMode.OtherExecute));
        Assert.StartsWith("hosts: files dns", File.ReadAllText(Path.Combine(rootfs, "etc/nsswitch.conf")), StringComparison.Ordinal);
        Assert.Contains("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(rootfs, "kaniko/ssl/certs/ca-certificates.crt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_debug_image_adds_busybox_and_shares_the_executor_s_layers()
    {
        using var config = await Skopeo.InspectConfigAsync(images.ExecutorDebug, images.Credentials, _none);
        var container = config.RootElement.GetProperty("config");
        Assert.Equal(["/kaniko/executor"], Strings(container.GetProperty("Entrypoint")));
        Assert.Contains("PATH=/usr/local/bin:/kaniko:/busybox", Strings(container.GetProperty("Env")));
        Assert.True(container.GetProperty("Volumes").TryGetProperty("/busybox", out _));

        using var work = TempDirectory.Create("debug-image");
        var rootfs = (await Umoci.UnpackAsync(images.ExecutorDebug, images.Credentials, work.CreateSubdirectory("unpack"), _none)).RootfsDirectory;
        Assert.Equal("busybox", new FileInfo(Path.Combine(rootfs, "busybox/sh")).LinkTarget);
        Assert.Equal("/busybox/sh", new FileInfo(Path.Combine(rootfs, "bin/sh")).LinkTarget);
        Assert.True(File.GetUnixFileMode(Path.Combine(rootfs, "busybox/busybox")).HasFlag(UnixFileMode.OtherExecute));

        // Reproducible builds: the debug target's first layers are the executor target's, blob for blob.
        using var executor = await Skopeo.InspectRawAsync(images.Executor, images.Credentials, _none);
        using var debug = await Skopeo.InspectRawAsync(images.ExecutorDebug, images.Credentials, _none);
        var executorLayers = Digests(executor.RootElement.GetProperty("layers"));
        var debugLayers = Digests(debug.RootElement.GetProperty("layers"));
        Assert.Equal(executorLayers, debugLayers.Take(executorLayers.Count));
        Assert.True(debugLayers.Count > executorLayers.Count);
    }

    [Fact]
    public async Task The_credproxy_image_runs_as_a_numeric_non_root_user_on_a_scratch_root()
    {
        using var config = await Skopeo.InspectConfigAsync(images.CredProxy, images.Credentials, _none);
        var container = config.RootElement.GetProperty("config");
        Assert.Equal(["/app/credproxy"], Strings(container.GetProperty("Entrypoint")));
        // Numeric, so that Kubernetes' runAsNonRoot can check it without an /etc/passwd lookup.
        Assert.Equal("65532:65532", container.GetProperty("User").GetString());
        Assert.Contains("DOTNET_EnableDiagnostics=0", Strings(container.GetProperty("Env")));

        using var work = TempDirectory.Create("credproxy-image");
        var rootfs = (await Umoci.UnpackAsync(images.CredProxy, images.Credentials, work.CreateSubdirectory("unpack"), _none)).RootfsDirectory;
        Assert.Contains("nonroot:x:65532:65532:", File.ReadAllText(Path.Combine(rootfs, "etc/passwd")), StringComparison.Ordinal);
        Assert.Equal("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", new FileInfo(Path.Combine(rootfs, "usr/lib64/ld-linux-x86-64.so.2")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(rootfs, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(rootfs, "lib/x86_64-linux-gnu/libssl.so.3")));
        Assert.True(File.Exists(Path.Combine(rootfs, "etc/ssl/certs/ca-certificates.crt")));
        // Image scanners find the Debian packages the libraries come from.
        Assert.StartsWith("Package: libssl3", File.ReadAllText(Path.Combine(rootfs, "var/lib/dpkg/status.d/libssl3")), StringComparison.Ordinal);
        // No shell, no package manager.
        Assert.False(Directory.Exists(Path.Combine(rootfs, "bin")) || File.Exists(Path.Combine(rootfs, "usr/bin/sh")));

        var run = await images.Podman.RunPodmanAsync(["run", "--rm", "--pull=never", "--network", "none", "--read-only", images.CredProxy, "--help"], checkExitCode: false, _none);
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("usage: credproxy", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tarballs_hold_the_same_images()
    {
        foreach (var (file, reference) in new[] { ("executor.tar", images.Executor), ("executor-debug.tar", images.ExecutorDebug), ("credproxy.tar", images.CredProxy) })
        {
            var tarball = Path.Combine(images.TarDirectory, file);
            var result = await ProcessRunner.RunAsync("skopeo", ["inspect", "--config", $"docker-archive:{tarball}"], _none);
            using var fromTar = JsonDocument.Parse(result.StandardOutput);
            using var pushed = await Skopeo.InspectConfigAsync(reference, images.Credentials, _none);
            Assert.Equal(
                pushed.RootElement.GetProperty("rootfs").GetRawText(),
                fromTar.RootElement.GetProperty("rootfs").GetRawText());
        }
    }

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();

    private static List<string?> Digests(JsonElement layers) => layers.EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToList();
}
