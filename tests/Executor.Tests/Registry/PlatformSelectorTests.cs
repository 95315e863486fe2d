using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

public class PlatformSelectorTests
{
    private static Descriptor Entry(int n, string os, string arch, string? variant = null) =>
        new(MediaTypes.OciManifest, Digest.Sha256Of([(byte)n]), 10) { Platform = new Platform(arch, os) { Variant = variant } };

    private static readonly Descriptor[] _index =
    [
        Entry(1, "linux", "amd64"),
        Entry(2, "linux", "arm64", "v8"),
        Entry(3, "linux", "arm", "v6"),
        Entry(4, "linux", "arm", "v7"),
        Entry(5, "unknown", "unknown"),
        Entry(6, "windows", "amd64"),
    ];

    [Theory]
    [InlineData("linux/amd64", 1)]
    [InlineData("linux/x86_64", 1)]
    [InlineData("linux/arm64", 2)]
    [InlineData("linux/arm64/v8", 2)]
    [InlineData("linux/aarch64", 2)]
    [InlineData("linux/arm", 4)]
    [InlineData("linux/arm/v7", 4)]
    [InlineData("linux/arm/v6", 3)]
    [InlineData("windows/amd64", 6)]
    public void Picks_the_matching_manifest(string wanted, int expected)
    {
        var chosen = PlatformSelector.Select(_index, Platform.Parse(wanted));
        Assert.Equal(Entry(expected, "x", "y").Digest, chosen?.Digest);
    }

    [Fact]
    public void Arm64_without_variant_in_the_index_serves_arm64_v8()
    {
        var chosen = PlatformSelector.Select([Entry(7, "linux", "arm64")], Platform.Parse("linux/arm64/v8"));
        Assert.NotNull(chosen);
    }

    [Fact]
    public void Arm_v7_falls_back_to_v6_but_not_the_reverse()
    {
        Assert.NotNull(PlatformSelector.Select([Entry(3, "linux", "arm", "v6")], Platform.Parse("linux/arm/v7")));
        Assert.Null(PlatformSelector.Select([Entry(4, "linux", "arm", "v7")], Platform.Parse("linux/arm/v6")));
    }

    [Fact]
    public void No_match_is_null_and_the_offer_is_described()
    {
        Assert.Null(PlatformSelector.Select(_index, Platform.Parse("linux/s390x")));
        Assert.Contains("linux/arm64/v8", PlatformSelector.Describe(_index), StringComparison.Ordinal);
    }
}
