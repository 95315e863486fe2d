using System.Text;
using System.Text.Json.Nodes;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>Writes a minimal OCI image layout around layer files, for independent tools such as umoci.</summary>
internal static class OciLayout
{
    public static void Write(string directory, string tag, IReadOnlyList<LayerFile> layers)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        foreach (var layer in layers)
        {
            File.Copy(layer.Path, Path.Combine(blobs, layer.Descriptor.Digest.Encoded), overwrite: true);
        }

        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)l.DiffId.ToString())]),
            },
        };
        var configDescriptor = WriteBlob(blobs, MediaTypes.OciConfig, config);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = configDescriptor,
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Descriptor(l.Descriptor.MediaType, l.Descriptor.Digest, l.Descriptor.Size))]),
        };
        var manifestDescriptor = WriteBlob(blobs, MediaTypes.OciManifest, manifest);
        manifestDescriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        File.WriteAllText(Path.Combine(directory, "index.json"),
            new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifestDescriptor) }.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
    }

    private static JsonObject WriteBlob(string blobs, string mediaType, JsonObject content)
    {
        var bytes = Encoding.UTF8.GetBytes(content.ToJsonString());
        var digest = Digest.Sha256Of(bytes);
        File.WriteAllBytes(Path.Combine(blobs, digest.Encoded), bytes);
        return Descriptor(mediaType, digest, bytes.Length);
    }

    private static JsonObject Descriptor(string mediaType, Digest digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest.ToString(), ["size"] = size };
}
