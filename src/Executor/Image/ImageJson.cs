using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Image;

/// <summary>Source-generated (AOT-safe) JSON for every image document we read or write.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ManifestProbe))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
public sealed partial class ImageJsonContext : JsonSerializerContext;

public static class ImageJson
{
    public static byte[] Serialize(ImageManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, ImageJsonContext.Default.ImageManifest);

    public static byte[] Serialize(ImageIndex index) =>
        JsonSerializer.SerializeToUtf8Bytes(index, ImageJsonContext.Default.ImageIndex);

    public static byte[] Serialize(ImageConfig config) =>
        JsonSerializer.SerializeToUtf8Bytes(config, ImageJsonContext.Default.ImageConfig);

    /// <summary>Parses a document, turning any JSON fault into a <see cref="FormatException"/> that names its source.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo)
                ?? throw new FormatException($"{source}: the document is JSON null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: malformed {typeof(T).Name} JSON: {e.Message}", e);
        }
    }
}
