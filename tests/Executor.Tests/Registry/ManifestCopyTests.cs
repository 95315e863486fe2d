using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>Copying a manifest and its blobs into another repository (for executor index), on real registries.</summary>
public sealed class ManifestCopyTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private LocalRegistry _first = null!;
    private LocalRegistry _second = null!;

    public async Task InitializeAsync()
    {
        _first = await LocalRegistry.StartAsync();
        _second = await LocalRegistry.StartAsync();
    }

    public Task DisposeAsync()
    {
        _first.Dispose();
        _second.Dispose();
        _timeout.Dispose();
        return Task.CompletedTask;
    }

    private RegistryClientOptions Options => new()
    {
        InsecureRegistries = new HashSet<string> { _first.Host, _second.Host },
        Retries = 1,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task Streams_blobs_across_registries_and_keeps_the_manifest_digest()
    {
        var ct = _timeout.Token;
        var image = TestImage.Create(layerSizes: [300_000, 5000]);
        var source = ImageReference.Parse($"{_first.Host}/src/app:1");
        using (var pusher = new RegistryClient(Options))
        {
            await RegistryClientTests.PushAsync(pusher, source, image, ct);
        }

        using var client = new RegistryClient(Options);
        var manifest = await client.GetManifestAsync(source, ct);
        var destination = ImageReference.Parse($"{_second.Host}/dst/app:1");
        await client.CopyManifestAsync(source, manifest, destination, ct);

        var copied = await client.GetManifestAsync(destination.WithoutVersion().WithDigest(image.Digest), ct);
        Assert.Equal(image.ManifestBytes, copied.Bytes.ToArray());
        foreach (var (layer, bytes) in image.Layers)
        {
            await using var stream = await client.OpenBlobAsync(destination, layer, ct);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct);
            Assert.Equal(bytes, copy.ToArray());
        }

        Assert.False(_second.HasTag("dst/app", "1"));
        var config = await client.GetConfigAsync(destination, image.Config, ct);
        Assert.Equal("amd64", config.Architecture);
    }

    [Fact]
    public async Task An_index_cannot_be_copied_as_a_manifest()
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var index = new PulledManifest(ImageJson.Serialize(new ImageIndex(2, MediaTypes.OciIndex, [])), MediaTypes.OciIndex, Digest.Sha256Of([1]));
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.CopyManifestAsync(
            ImageReference.Parse($"{_first.Host}/a/b:1"), index, ImageReference.Parse($"{_first.Host}/c/d:1"), ct));
        Assert.Contains("only image manifests", e.Message, StringComparison.Ordinal);
    }
}
