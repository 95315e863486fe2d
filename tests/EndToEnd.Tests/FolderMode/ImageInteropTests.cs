using System.Text.Json;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

/// <summary>
/// Issue 4's "Done when" list, end to end through the executor: base images stored as Docker schema 2 and as OCI,
/// zstd layers, a platform out of an amd64+arm64 index, a corrupted base layer, a registry that fails mid-push,
/// and every output (registry, --oci-layout-path, --tar-path) read by skopeo, umoci and podman.
/// </summary>
public sealed class ImageInteropTests
{
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private static readonly CancellationToken _none = CancellationToken.None;

    [Theory]
    [InlineData(ImageFormat.V2s2, "auto", "gzip", false, DockerManifest, "application/vnd.docker.image.rootfs.diff.tar.gzip")]
    [InlineData(ImageFormat.V2s2, "auto", "gzip", true, OciManifest, "application/vnd.oci.image.layer.v1.tar+gzip")]
    [InlineData(ImageFormat.Oci, "auto", "gzip", true, OciManifest, "application/vnd.oci.image.layer.v1.tar+gzip")]
    [InlineData(ImageFormat.V2s2, "oci", "zstd", true, OciManifest, "application/vnd.oci.image.layer.v1.tar+zstd")]
    public async Task Every_output_is_read_by_skopeo_umoci_and_podman(ImageFormat baseFormat, string imageFormat, string compression, bool withLayout, string manifestType, string layerType)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", baseFormat, _none);
        using var work = TempDirectory.Create("interop");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "note.txt"), "copied\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $$"""
            FROM {{baseImage}}
            RUN echo built > /hello && mkdir /data && head -c 300000 /dev/urandom > /data/random
            COPY note.txt /note.txt
            CMD ["cat", "/hello", "/note.txt"]
            """);
        var destination = registry.Reference("interop/app", "1");
        var layout = work.Combine("layout");
        var tarball = work.Combine("image.tar");

        // --image-format auto follows the base, except that an OCI layout makes it OCI: skopeo and umoci see only
        // OCI manifests in a layout.
        var docker = !withLayout;
        string[] layoutFlag = withLayout ? ["--oci-layout-path", layout] : [];
        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", "--image-format", imageFormat, "--compression", compression,
                .. layoutFlag, "--tar-path", tarball, "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);
        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardError}");

        // skopeo: the manifest format follows the base (auto) or the flag; our layers have the asked compression.
        using var raw = await Skopeo.InspectRawAsync(destination, null, _none);
        Assert.Equal(manifestType, raw.RootElement.GetProperty("mediaType").GetString());
        var layers = raw.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("mediaType").GetString()).ToList();
        Assert.Equal(3, layers.Count);
        Assert.All(layers.Skip(1), t => Assert.Equal(layerType, t));
        foreach (var source in docker ? [$"docker-archive:{tarball}"] : new[] { $"oci:{layout}:1", $"docker-archive:{tarball}" })
        {
            var inspect = await ProcessRunner.RunAsync("skopeo", ["inspect", source], new ProcessOptions(), _none);
            using var summary = JsonDocument.Parse(inspect.StandardOutput);
            Assert.Equal(3, summary.RootElement.GetProperty("Layers").GetArrayLength());
        }

        // umoci: the files are there, from the registry, the layout and (through skopeo) the tarball.
        // Debian 12's umoci 0.4.7 refuses zstd layers ("blob is not correct mediatype"): podman checks those below.
        var unpackedImages = new List<UnpackedImage>();
        if (compression != "zstd")
        {
            unpackedImages.Add(await Umoci.UnpackAsync(destination, null, work.CreateSubdirectory("umoci-registry"), _none));
            if (!docker)
            {
                unpackedImages.Add(await Umoci.UnpackLayoutAsync($"{layout}:1", work.Combine("umoci-layout"), _none));
            }

            await Skopeo.CopyAsync($"docker-archive:{tarball}", $"oci:{work.Combine("tar-as-oci")}:x", _none);
            unpackedImages.Add(await Umoci.UnpackLayoutAsync($"{work.Combine("tar-as-oci")}:x", work.Combine("umoci-tarball"), _none));
        }

        foreach (var unpacked in unpackedImages)
        {
            Assert.Equal("built\n", File.ReadAllText(Path.Combine(unpacked.RootfsDirectory, "hello")));
            Assert.Equal("copied\n", File.ReadAllText(Path.Combine(unpacked.RootfsDirectory, "note.txt")));
            Assert.Equal(300000, new FileInfo(Path.Combine(unpacked.RootfsDirectory, "data/random")).Length);
            Assert.True(File.Exists(Path.Combine(unpacked.RootfsDirectory, "bin/busybox")));
        }

        // podman: pull from the registry, pull the layout, load the tarball; each runs its CMD.
        using (var podman = Podman.For(registry))
        {
            var run = await podman.RunAsync(destination, [], null, _none);
            Assert.Equal("built\ncopied\n", run.StandardOutput);
        }

        if (!docker)
        {
            using var podman = Podman.Create();
            var pulled = await podman.RunPodmanAsync(["pull", "--quiet", $"oci:{layout}:1"], checkExitCode: true, _none);
            var run = await podman.RunPodmanAsync(["run", "--rm", "--pull=never", pulled.StandardOutput.Trim()], checkExitCode: true, _none);
            Assert.Equal("built\ncopied\n", run.StandardOutput);
        }

        using (var podman = Podman.Create())
        {
            var load = await podman.RunPodmanAsync(["load", "--input", tarball], checkExitCode: true, _none);
            Assert.Contains(destination, load.StandardOutput, StringComparison.Ordinal);
            var run = await podman.RunPodmanAsync(["run", "--rm", "--pull=never", destination], checkExitCode: true, _none);
            Assert.Equal("built\ncopied\n", run.StandardOutput);
        }
    }

    [Fact]
    public async Task Reproducible_builds_give_one_digest_and_carry_labels_annotations_and_source_date_epoch()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("reproducible");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "note.txt"), "same\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nCOPY note.txt /note.txt\nRUN echo same > /made && mkdir /dir\n");

        async Task<string> BuildAsync(string tag, params string[] extra)
        {
            var digestFile = work.Combine($"digest-{tag}");
            var build = await Programs.RunExecutorAsync(
                ["--context", context, "--destination", registry.Reference("repro/app", tag), "--insecure", "--reproducible",
                    "--label", "team=core", "--annotation", "org.opencontainers.image.source=https://example.com/repo",
                    "--digest-file", digestFile, .. extra, "--root", work.Combine($"root-{tag}"), "--kaniko-dir", work.Combine($"kaniko-{tag}")],
                _none);
            Assert.True(build.ExitCode == 0, $"build {tag} failed:\n{build.StandardError}");
            return File.ReadAllText(digestFile);
        }

        var first = await BuildAsync("a");
        await Task.Delay(1100);
        var second = await BuildAsync("b");
        var dated = await BuildAsync("c", "--build-arg", "SOURCE_DATE_EPOCH=1700000000");

        Assert.Equal(first, second);
        Assert.NotEqual(first, dated);
        using var config = await Skopeo.InspectRawConfigAsync(registry.Reference("repro/app", "a"), null, _none);
        Assert.Equal("core", config.RootElement.GetProperty("config").GetProperty("Labels").GetProperty("team").GetString());
        Assert.StartsWith("1970-01-01T00:00:00", config.RootElement.GetProperty("created").GetString(), StringComparison.Ordinal);
        using var manifest = await Skopeo.InspectRawAsync(registry.Reference("repro/app", "a"), null, _none);
        Assert.Equal("https://example.com/repo", manifest.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.source").GetString());
        using var datedConfig = await Skopeo.InspectRawConfigAsync(registry.Reference("repro/app", "c"), null, _none);
        Assert.StartsWith("2023-11-14T22:13:20", datedConfig.RootElement.GetProperty("created").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zstd_base_layer_is_pulled_and_unpacked()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var busybox = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("zstd-base");
        var first = work.CreateSubdirectory("first");
        await File.WriteAllTextAsync(Path.Combine(first, "Dockerfile"), $"FROM {busybox}\nRUN echo from-zstd > /marker\n");
        var zstdBase = registry.Reference("zstd/base", "1");
        var build = await Programs.RunExecutorAsync(
            ["--context", first, "--destination", zstdBase, "--insecure", "--image-format", "oci", "--compression", "zstd",
                "--root", work.Combine("root1"), "--kaniko-dir", work.Combine("kaniko1")],
            _none);
        Assert.True(build.ExitCode == 0, $"first build failed:\n{build.StandardError}");

        var second = work.CreateSubdirectory("second");
        await File.WriteAllTextAsync(Path.Combine(second, "Dockerfile"), $"FROM {zstdBase}\nRUN cat /marker > /copy\n");
        var destination = registry.Reference("zstd/app", "1");
        build = await Programs.RunExecutorAsync(
            ["--context", second, "--destination", destination, "--insecure", "--root", work.Combine("root2"), "--kaniko-dir", work.Combine("kaniko2")],
            _none);

        Assert.True(build.ExitCode == 0, $"build on the zstd base failed:\n{build.StandardError}");
        Assert.Equal("from-zstd\n", File.ReadAllText(work.Combine("root2/copy")));
        using var raw = await Skopeo.InspectRawAsync(destination, null, _none);
        var layers = raw.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("mediaType").GetString()).ToList();
        Assert.Equal("application/vnd.oci.image.layer.v1.tar+zstd", layers[1]);
    }

    [Theory]
    [InlineData(null, "amd64")]
    [InlineData("linux/arm64", "arm64")]
    public async Task A_platform_is_picked_from_an_amd64_and_arm64_index(string? platform, string expected)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var index = await BaseImages.PushBusyboxIndexAsync(registry, "multi/busybox", "1", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("index-base");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "note.txt"), "x\n");

        // No RUN: an arm64 busybox cannot run here (no qemu); COPY and the config show the platform.
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {index}\nCOPY note.txt /note.txt\n");
        var destination = registry.Reference("multi/app", expected);
        string[] platformFlag = platform is null ? [] : ["--custom-platform", platform];

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", .. platformFlag, "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardError}");
        using var config = await Skopeo.InspectConfigAsync(destination, null, _none);
        Assert.Equal(expected, config.RootElement.GetProperty("architecture").GetString());
        using var list = await Skopeo.InspectRawAsync(index, null, _none);
        var chosen = list.RootElement.GetProperty("manifests").EnumerateArray()
            .Single(m => m.GetProperty("platform").GetProperty("architecture").GetString() == expected).GetProperty("digest").GetString();
        using var baseManifest = await Skopeo.InspectRawAsync($"{registry.Host}/multi/busybox@{chosen}", null, _none);
        using var built = await Skopeo.InspectRawAsync(destination, null, _none);
        Assert.Equal(
            baseManifest.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString(),
            built.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString());
    }

    [Fact]
    public async Task A_corrupted_base_layer_fails_the_build_before_any_step_and_pushes_nothing()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var raw = await Skopeo.InspectRawAsync(baseImage, null, _none);
        var layer = raw.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()!;
        var hex = layer["sha256:".Length..];
        var data = Path.Combine(registry.DataDirectory, "docker/registry/v2/blobs/sha256", hex[..2], hex, "data");
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length - 100] ^= 0x40;
        File.WriteAllBytes(data, bytes);

        using var work = TempDirectory.Create("corrupt-base");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nRUN touch /step-ran\n");
        var destination = registry.Reference("corrupt/app", "1");

        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);

        Assert.Equal(1, build.ExitCode);
        Assert.Contains("Dockerfile:1", build.StandardError, StringComparison.Ordinal);
        Assert.Contains(layer, build.StandardError, StringComparison.Ordinal);
        Assert.Contains("corrupt", build.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("root/step-ran")), "a step ran on a root made from an unverified layer");
        var tags = await Skopeo.TryInspectAsync(destination, null, _none);
        Assert.NotEqual(0, tags.ExitCode);
    }

    [Fact]
    public async Task A_registry_that_fails_mid_push_gives_a_clear_error_after_retries_and_no_tag()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        await using var faults = await FaultProxy.StartAsync(registry.Host, _none);
        using var work = TempDirectory.Create("push-outage");
        var context = work.CreateSubdirectory("context");
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nRUN head -c 4000000 /dev/urandom > /big\n");
        var destination = $"{faults.Host}/outage/app:1";

        // Every connection to the destination dies once 1 MB went up: the big layer's upload never completes.
        faults.DropNextConnections(1000, afterResponseBytes: long.MaxValue, afterRequestBytes: 1 << 20);
        var build = await Programs.RunExecutorAsync(
            ["--context", context, "--destination", destination, "--insecure", "--push-retry", "2", "--root", work.Combine("root"), "--kaniko-dir", work.Combine("kaniko")],
            _none);

        Assert.Equal(1, build.ExitCode);
        Assert.Contains("push blob", build.StandardError, StringComparison.Ordinal);
        Assert.Contains("outage/app", build.StandardError, StringComparison.Ordinal);
        Assert.Contains("gave up after 4 attempts", build.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", build.StandardError, StringComparison.Ordinal);
        faults.ClearFaults();
        var inspect = await Skopeo.TryInspectAsync(registry.Reference("outage/app", "1"), null, _none);
        Assert.NotEqual(0, inspect.ExitCode);
        Assert.Contains("manifest unknown", inspect.StandardError, StringComparison.OrdinalIgnoreCase);
    }
}
