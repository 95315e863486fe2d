namespace Kaniko.TestKit;

/// <summary>
/// Offline base images, built and cached by scripts/testbed (the single implementation), pushed to a
/// test registry with skopeo.
/// </summary>
public static class BaseImages
{
    private static readonly TimeSpan _busyboxTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan _debianTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Pushes the busybox image (built once and cached) to <paramref name="registry"/> as
    /// <c>REPOSITORY:TAG</c>, with the registry's credentials. Returns <c>127.0.0.1:PORT/REPOSITORY:TAG</c>.
    /// </summary>
    public static async Task<string> PushBusyboxAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        await TestBed.RunScriptAsync(
            "make-busybox-image.sh", PushArguments(registry, reference, format), _busyboxTimeout, cancellationToken);
        return reference;
    }

    /// <summary>
    /// As <see cref="PushBusyboxAsync(RegistryServer, string, string, ImageFormat, CancellationToken)"/>, for another
    /// architecture (<c>amd64</c> or <c>arm64</c>; a foreign one downloads its busybox-static .deb once, no qemu).
    /// </summary>
    public static async Task<string> PushBusyboxAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, string architecture, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        await TestBed.RunScriptAsync(
            "make-busybox-image.sh", [.. PushArguments(registry, reference, format), "--arch", architecture], _busyboxTimeout, cancellationToken);
        return reference;
    }

    /// <summary>
    /// Pushes the busybox variant whose layer <c>umoci insert</c> wrote: real mtimes, a leading <c>/</c>
    /// entry and no tar end-of-archive blocks (.NET's TarReader throws at its end on a non-seekable
    /// stream). For robustness tests of layer extraction. Returns the reference.
    /// </summary>
    public static async Task<string> PushBusyboxUmociInsertAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        await TestBed.RunScriptAsync(
            "make-busybox-image.sh",
            [.. PushArguments(registry, reference, format), "--umoci-insert"],
            _busyboxTimeout,
            cancellationToken);
        return reference;
    }

    /// <summary>
    /// Pushes a multi-arch busybox index (linux/amd64 and linux/arm64/v8; an OCI image index or, with
    /// <see cref="ImageFormat.V2s2"/>, a Docker manifest list). Returns the reference.
    /// </summary>
    public static async Task<string> PushBusyboxIndexAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        await TestBed.RunScriptAsync(
            "make-busybox-index.sh", PushArguments(registry, reference, format), _busyboxTimeout, cancellationToken);
        return reference;
    }

    /// <summary>
    /// Pushes the Debian bookworm minbase image (debootstrap; ~20-80 s the first time, then cached).
    /// Opt-in: use it only in tests guarded by <see cref="OptInFactAttribute"/>.
    /// </summary>
    public static async Task<string> PushDebianAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        await TestBed.RunScriptAsync(
            "make-debian-image.sh", PushArguments(registry, reference, format), _debianTimeout, cancellationToken);
        return reference;
    }

    /// <summary>The cached busybox OCI layout, as <c>oci:DIR:TAG</c> (built on first use).</summary>
    public static async Task<string> BusyboxLayoutAsync(CancellationToken cancellationToken)
    {
        var result = await TestBed.RunScriptAsync("make-busybox-image.sh", [], _busyboxTimeout, cancellationToken);
        return result.StandardOutput.Trim();
    }

    /// <summary>
    /// The busybox image unpacked by umoci into the cache (built on first use): a lower root for
    /// <see cref="Sandbox"/>. Never write into it.
    /// </summary>
    public static async Task<string> BusyboxRootfsAsync(CancellationToken cancellationToken)
    {
        var result = await TestBed.RunScriptAsync("make-busybox-image.sh", ["--rootfs"], _busyboxTimeout, cancellationToken);
        return result.StandardOutput.Trim();
    }

    /// <summary>The cached Debian minbase OCI layout, as <c>oci:DIR:TAG</c> (built on first use; opt-in).</summary>
    public static async Task<string> DebianLayoutAsync(CancellationToken cancellationToken)
    {
        var result = await TestBed.RunScriptAsync("make-debian-image.sh", [], _debianTimeout, cancellationToken);
        return result.StandardOutput.Trim();
    }

    private static List<string> PushArguments(RegistryServer registry, string reference, ImageFormat format)
    {
        List<string> args = ["--push", reference, "--format", FormatArgument(format)];
        if (registry.Credentials is { } credentials)
        {
            args.AddRange(["--creds", credentials.ToColonForm()]);
        }

        return args;
    }

    internal static string FormatArgument(ImageFormat format) => format switch
    {
        ImageFormat.Oci => "oci",
        ImageFormat.V2s2 => "v2s2",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
