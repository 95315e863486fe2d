using Kaniko.Executor.Build;

namespace Kaniko.Executor.Image.Assembly;

/// <summary>A finished image: config and manifest bytes with their digests, and the local layers they name.</summary>
public sealed record AssembledImage(
    byte[] ConfigBytes,
    Descriptor Config,
    byte[] ManifestBytes,
    string ManifestMediaType,
    Digest ManifestDigest,
    IReadOnlyList<ImageLayer> Layers);

/// <summary>Turns a built stage into manifest and config documents, in Docker schema 2 or OCI form.</summary>
public static class ImageAssembler
{
    public static AssembledImage Assemble(
        StageImage image, bool oci, IReadOnlyDictionary<string, string> extraLabels, DateTimeOffset? created, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var config = image.Config with { Created = created };
        if (extraLabels.Count > 0)
        {
            var labels = new Dictionary<string, string>(config.Config.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (key, value) in extraLabels)
            {
                labels[key] = value;
            }

            config = config with { Config = config.Config with { Labels = labels } };
        }

        var layers = image.Layers
            .Select(l => l with { Descriptor = l.Descriptor with { MediaType = LayerMediaType(l.Descriptor, oci) } })
            .ToList();
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var mediaType = oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;
        var manifest = new ImageManifest(2, mediaType, configDescriptor, layers.Select(l => l.Descriptor).ToList())
        {
            Annotations = annotations is { Count: > 0 } ? annotations : null,
        };
        var manifestBytes = ImageJson.Serialize(manifest);
        return new AssembledImage(configBytes, configDescriptor, manifestBytes, mediaType, Digest.Sha256Of(manifestBytes), layers);
    }

    /// <summary>The same bytes under the other family's name; formats the target cannot express are refused.</summary>
    private static string LayerMediaType(Descriptor layer, bool oci) => (layer.MediaType, oci) switch
    {
        (MediaTypes.DockerLayerGzip, true) => MediaTypes.OciLayerGzip,
        (MediaTypes.OciLayerGzip, false) => MediaTypes.DockerLayerGzip,
        (MediaTypes.OciLayerZstd or MediaTypes.OciLayer, false) => throw new InvalidOperationException(
            $"layer {layer.Digest} is {layer.MediaType}, which a Docker schema 2 manifest cannot carry; use --image-format oci"),
        var (same, _) => same,
    };
}
