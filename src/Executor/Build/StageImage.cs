using Kaniko.Executor.Image;

namespace Kaniko.Executor.Build;

/// <summary>
/// A layer blob held on local disk, in the order the image stacks it. For a base image, <see cref="Path"/> is
/// filled by <see cref="BaseImageLoader.UnpackAsync"/> (the blob is downloaded while it is unpacked).
/// </summary>
public sealed record ImageLayer(Descriptor Descriptor, Digest DiffId, string Path);

/// <summary>An image as the builder knows it: config plus local layers. Base images and built stages alike.</summary>
public sealed record StageImage(ImageConfig Config, IReadOnlyList<ImageLayer> Layers)
{
    /// <summary>The manifest media type of the base image (decides the output format in auto mode).</summary>
    public string? ManifestMediaType { get; init; }

    /// <summary>For a stage built with the layer cache: the last key of its chain, where stages built on it start.</summary>
    public string? CacheKey { get; init; }

    public static StageImage Scratch(Platform platform) => new(
        new ImageConfig
        {
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            RootFs = new RootFs("layers", []),
            History = [],
        },
        []);
}
