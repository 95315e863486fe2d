namespace Kaniko.TestKit;

/// <summary>
/// Offline base images, built and cached by scripts/testbed (the single implementation), pushed to a
/// test registry with skopeo.
/// </summary>
public static class BaseImages
{
    private static readonly TimeSpan _busyboxTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Pushes the busybox image (built once and cached) to <paramref name="registry"/> as
    /// <c>REPOSITORY:TAG</c>, with the registry's credentials. Returns <c>127.0.0.1:PORT/REPOSITORY:TAG</c>.
    /// </summary>
    public static async Task<string> PushBusyboxAsync(
        RegistryServer registry, string repository, string tag, ImageFormat format, CancellationToken cancellationToken)
    {
        var reference = registry.Reference(repository, tag);
        List<string> args = ["--push", reference, "--format", FormatArgument(format)];
        if (registry.Credentials is { } credentials)
        {
            args.AddRange(["--creds", credentials.ToColonForm()]);
        }

        await TestBed.RunScriptAsync("make-busybox-image.sh", args, _busyboxTimeout, cancellationToken);
        return reference;
    }

    /// <summary>The cached busybox OCI layout, as <c>oci:DIR:TAG</c> (built on first use).</summary>
    public static async Task<string> BusyboxLayoutAsync(CancellationToken cancellationToken)
    {
        var result = await TestBed.RunScriptAsync("make-busybox-image.sh", [], _busyboxTimeout, cancellationToken);
        return result.StandardOutput.Trim();
    }

    internal static string FormatArgument(ImageFormat format) => format switch
    {
        ImageFormat.Oci => "oci",
        ImageFormat.V2s2 => "v2s2",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
