namespace Kaniko.TestKit;

/// <summary>Reads images independently of our code: skopeo copies to an OCI layout, umoci unpacks it.</summary>
public static class Umoci
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Copies <c>docker://REFERENCE</c> into an OCI layout under <paramref name="workDirectory"/> and unpacks
    /// it there with <c>umoci unpack</c>. Returns the unpacked image (rootfs and runtime config paths).
    /// </summary>
    public static async Task<UnpackedImage> UnpackAsync(
        string reference, RegistryCredentials? credentials, string workDirectory, CancellationToken cancellationToken)
    {
        var layout = Path.Combine(workDirectory, "oci");
        var bundle = Path.Combine(workDirectory, "bundle");
        await Skopeo.CopyAsync(
            reference,
            $"oci:{layout}:image",
            new SkopeoCopyOptions { SourceCredentials = credentials },
            cancellationToken);
        return await UnpackLayoutAsync($"{layout}:image", bundle, cancellationToken);
    }

    /// <summary><c>umoci unpack --image LAYOUT:TAG BUNDLE</c> (BUNDLE must not exist yet).</summary>
    public static async Task<UnpackedImage> UnpackLayoutAsync(
        string layoutAndTag, string bundleDirectory, CancellationToken cancellationToken)
    {
        await TestBed.EnsureInstalledAsync(cancellationToken);
        await ProcessRunner.RunAsync(
            "umoci",
            ["unpack", "--image", layoutAndTag, bundleDirectory],
            new ProcessOptions { Timeout = _timeout },
            cancellationToken);
        return new UnpackedImage(
            bundleDirectory, Path.Combine(bundleDirectory, "rootfs"), Path.Combine(bundleDirectory, "config.json"));
    }
}
