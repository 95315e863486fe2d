using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class ImageValidatorTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Theory]
    [InlineData(ImageFormat.Oci)]
    [InlineData(ImageFormat.V2s2)]
    public async Task Busybox_passes_and_its_entries_are_listed(ImageFormat format)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);
        var reference = await BaseImages.PushBusyboxAsync(registry, "busybox", "1", format, Ct);

        var image = await ImageValidator.ValidateAsync(reference, registry.Credentials, Ct);

        var layer = Assert.Single(image.Layers);
        Assert.True(layer.HasEndOfArchiveMarker);
        Assert.Equal(TarEntryType.SymbolicLink, layer.Find("/bin/sh")?.Type);
        Assert.Equal("/bin/busybox", layer.Find("bin/sh")?.LinkTarget);
        Assert.Equal(UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111, layer.Find("tmp")?.Mode);
        Assert.Equal("/bin/sh", image.RuntimeConfig.GetProperty("Cmd")[0].GetString());
    }

    [Fact]
    public async Task Umoci_insert_variant_is_accepted_and_flagged_for_its_missing_tar_trailer()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        var reference = await BaseImages.PushBusyboxUmociInsertAsync(registry, "busybox", "insert", ImageFormat.Oci, Ct);

        var image = await ImageValidator.ValidateAsync(reference, null, Ct);

        var layer = Assert.Single(image.Layers);
        Assert.False(layer.HasEndOfArchiveMarker);
        Assert.Equal("", layer.Entries[0].Path);
        Assert.NotNull(layer.Find("bin/busybox"));
    }

    [Fact]
    public async Task A_config_whose_diff_id_does_not_match_the_layer_is_reported()
    {
        var layout = await BaseImages.BusyboxLayoutAsync(Ct);
        using var work = TempDirectory.Create("validator");
        var dir = work.Combine("image");
        await Skopeo.CopyAsync(layout, "dir:" + dir, Ct);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json"), Ct))!;
        var oldConfigDigest = manifest["config"]!["digest"]!.GetValue<string>();
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, oldConfigDigest[7..]), Ct))!;
        config["rootfs"]!["diff_ids"]![0] = "sha256:" + new string('0', 64);
        var configBytes = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
        var newConfigHex = Convert.ToHexStringLower(SHA256.HashData(configBytes));
        await File.WriteAllBytesAsync(Path.Combine(dir, newConfigHex), configBytes, Ct);
        manifest["config"]!["digest"] = "sha256:" + newConfigHex;
        manifest["config"]!["size"] = configBytes.Length;
        await File.WriteAllTextAsync(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(), Ct);

        var error = Assert.Throws<ImageValidationException>(() => ImageValidator.ValidateDirectory("broken", dir, Ct));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("config diff_id is sha256:000", problem, StringComparison.Ordinal);
    }
}
