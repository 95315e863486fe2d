namespace Kaniko.TestKit;

/// <summary>Options of <see cref="Skopeo.CopyAsync(string, string, SkopeoCopyOptions, CancellationToken)"/>.</summary>
public sealed record SkopeoCopyOptions
{
    public static SkopeoCopyOptions Default { get; } = new();

    public RegistryCredentials? SourceCredentials { get; init; }

    public RegistryCredentials? DestinationCredentials { get; init; }

    /// <summary>Convert the manifest (<c>--format</c>); null keeps the source's.</summary>
    public ImageFormat? Format { get; init; }

    /// <summary>Copy every image of an index (<c>--all</c>).</summary>
    public bool All { get; init; }

    /// <summary>Pick this architecture from an index (skopeo's global <c>--override-arch</c>); null: the host's.</summary>
    public string? OverrideArch { get; init; }

    /// <summary>Throw on a non-zero exit (default true); false returns the failed result.</summary>
    public bool CheckExitCode { get; init; } = true;
}
