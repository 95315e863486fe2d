namespace Kaniko.TestKit;

/// <summary>Options of <see cref="Buildah.BuildAndPushAsync(string, string, RegistryCredentials?, BuildahBuildOptions, CancellationToken)"/>.</summary>
public sealed record BuildahBuildOptions
{
    public static BuildahBuildOptions Default { get; } = new();

    public ImageFormat Format { get; init; } = ImageFormat.Oci;

    /// <summary>One layer per step (<c>--layers</c>, default); false squashes RUN steps as buildah does without it.</summary>
    public bool Layers { get; init; } = true;

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>The stage to build (<c>--target</c>); null: the last.</summary>
    public string? Target { get; init; }
}
