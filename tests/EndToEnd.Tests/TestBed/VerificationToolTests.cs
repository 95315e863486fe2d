using System.Runtime.Versioning;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
[SupportedOSPlatform("linux")]
public sealed class VerificationToolTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Podman_runs_busybox_from_an_htpasswd_registry()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);
        var reference = await BaseImages.PushBusyboxAsync(registry, "busybox", "1", ImageFormat.V2s2, Ct);
        using var podman = Podman.For(registry);

        var result = await podman.RunAsync(reference, ["echo", "hello from busybox"], registry.Credentials, Ct);

        Assert.Equal("hello from busybox\n", result.StandardOutput);
    }

    [Fact]
    public async Task Umoci_unpacks_busybox_with_its_files_and_modes()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        var reference = await BaseImages.PushBusyboxAsync(registry, "busybox", "1", ImageFormat.Oci, Ct);
        using var work = TempDirectory.Create("umoci");

        var image = await Umoci.UnpackAsync(reference, null, work.Path, Ct);

        var rootfs = image.RootfsDirectory;
        Assert.True(File.Exists(Path.Combine(rootfs, "bin", "busybox")));
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(rootfs, "bin", "sh")).LinkTarget);
        Assert.Equal(
            UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111,
            File.GetUnixFileMode(Path.Combine(rootfs, "tmp")));
        Assert.Contains("nobody:x:65534:65534:", File.ReadAllText(Path.Combine(rootfs, "etc", "passwd")), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(rootfs, "home")));
        Assert.True(File.Exists(image.RuntimeConfigPath));
    }
}
