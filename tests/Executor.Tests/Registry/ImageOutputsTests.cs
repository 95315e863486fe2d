using System.Text.Json;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Outputs;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>OCI layout and docker-save tarball outputs, checked with skopeo against a real registry.</summary>
public sealed class ImageOutputsTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));
    private readonly string _work = Directory.CreateTempSubdirectory("kaniko-out-").FullName;
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync();

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _timeout.Dispose();
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private RegistryClient NewClient() => new(new RegistryClientOptions
    {
        InsecureRegistries = new HashSet<string> { _registry.Host },
        Retries = 0,
    });

    private async Task SkopeoAsync(params string[] args)
    {
        var (code, output) = await LocalRegistry.RunAsync("skopeo", ["--insecure-policy", .. args], _timeout.Token);
        Assert.True(code == 0, $"skopeo {string.Join(' ', args)} failed: {output}");
    }

    [Theory]
    [InlineData("oci")]
    [InlineData("v2s2")]
    public async Task Oci_layout_is_pushed_by_skopeo_and_resolved_by_us(string format)
    {
        var image = TestImage.CreateReal(docker: false);
        var layout = Path.Combine(_work, "layout");
        await OciLayout.WriteAsync(layout, image.Content, "v1", _timeout.Token);
        var target = $"{_registry.Host}/skopeo/{format}:1";
        await SkopeoAsync("copy", "--format", format, "--dest-tls-verify=false", $"oci:{layout}:v1", $"docker://{target}");

        using var client = NewClient();
        var resolved = await client.ResolveImageAsync(ImageReference.Parse(target), Platform.Parse("linux/amd64"), _timeout.Token);
        Assert.Equal(format == "oci" ? MediaTypes.OciManifest : MediaTypes.DockerManifest, resolved.ManifestMediaType);
        Assert.Equal(image.Config.Digest, Digest.Sha256Of(resolved.ConfigBytes.Span));
        Assert.Equal(image.Layers.Count, resolved.Manifest.Layers.Count);
        foreach (var layer in resolved.Manifest.Layers)
        {
            await using var stream = await client.OpenBlobAsync(resolved.Reference, layer, _timeout.Token);
            await stream.CopyToAsync(Stream.Null, _timeout.Token);
        }

        // And back: skopeo writes a layout that our reader reads and our client pushes.
        var back = Path.Combine(_work, "back");
        await SkopeoAsync("copy", "--src-tls-verify=false", $"docker://{target}", $"oci:{back}:again");
        var read = await OciLayout.ReadAsync(back, "again", null, _timeout.Token);
        Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest), read.Layers.Select(l => l.Digest));
        var pushed = ImageReference.Parse($"{_registry.Host}/roundtrip/{format}:1");
        var digest = await client.PushImageAsync(read, [pushed], _timeout.Token);
        Assert.Equal(read.ManifestDigest, (await client.GetManifestAsync(pushed, _timeout.Token)).Digest);
        Assert.Equal(digest, read.ManifestDigest);
    }

    [Fact]
    public async Task Oci_layout_keeps_several_named_images_and_umoci_reads_it()
    {
        var layout = Path.Combine(_work, "multi");
        var first = TestImage.CreateReal(docker: false);
        var second = TestImage.CreateReal(docker: false, layers: 1);
        await OciLayout.WriteAsync(layout, first.Content, "a", _timeout.Token);
        await OciLayout.WriteAsync(layout, second.Content, "b", _timeout.Token);
        await OciLayout.WriteAsync(layout, first.Content, "a", _timeout.Token);

        var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), _timeout.Token));
        Assert.Equal(2, index.RootElement.GetProperty("manifests").GetArrayLength());
        Assert.Equal(second.Digest, (await OciLayout.ReadAsync(layout, "b", null, _timeout.Token)).ManifestDigest);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ReadAsync(layout, null, null, _timeout.Token));
        Assert.Contains("name one", e.Message, StringComparison.Ordinal);

        var (code, output) = await LocalRegistry.RunAsync("umoci", ["stat", "--image", $"{layout}:a"], _timeout.Token);
        Assert.True(code == 0, output);
        var unpacked = Path.Combine(_work, "bundle");
        (code, output) = await LocalRegistry.RunAsync("umoci", ["unpack", "--rootless", "--image", $"{layout}:b", unpacked], _timeout.Token);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(unpacked, "rootfs", "file0.bin")));
    }

    [Fact]
    public async Task Oci_layout_reader_detects_a_corrupted_manifest()
    {
        var image = TestImage.CreateReal(docker: false);
        var layout = Path.Combine(_work, "corrupt");
        await OciLayout.WriteAsync(layout, image.Content, "x", _timeout.Token);
        await File.AppendAllTextAsync(OciLayout.BlobPath(layout, image.Digest), " ", _timeout.Token);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ReadAsync(layout, "x", null, _timeout.Token));
        Assert.Contains(image.Digest.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Docker_archive_is_accepted_by_skopeo_and_read_back(bool docker)
    {
        var image = TestImage.CreateReal(docker);
        var tar = Path.Combine(_work, "image.tar");
        var tag = $"{_registry.Host}/archive/app:1";
        await DockerArchive.WriteAsync(tar, image.Content, [tag], _timeout.Token);

        var target = $"{_registry.Host}/fromarchive/app:1";
        await SkopeoAsync("copy", "--dest-tls-verify=false", $"docker-archive:{tar}", $"docker://{target}");
        using var client = NewClient();
        var resolved = await client.ResolveImageAsync(ImageReference.Parse(target), Platform.Parse("linux/amd64"), _timeout.Token);
        Assert.Equal(image.ConfigBytes, resolved.ConfigBytes.ToArray());

        var (read, tags) = await DockerArchive.ReadAsync(tar, Path.Combine(_work, "unpacked"), null, _timeout.Token);
        Assert.Equal([tag], tags);
        Assert.Equal(image.Config.Digest, read.Config.Digest);
        Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest), read.Layers.Select(l => l.Digest));
        Assert.Equal(MediaTypes.DockerManifest, read.ManifestMediaType);
        var pushed = ImageReference.Parse($"{_registry.Host}/archive/pushed:1");
        await client.PushImageAsync(read, [pushed, pushed.WithTag("2")], _timeout.Token);
        var again = await client.ResolveImageAsync(pushed.WithTag("2"), Platform.Parse("linux/amd64"), _timeout.Token);
        Assert.Equal(image.Config.Digest, again.Manifest.Config.Digest);
    }
}
