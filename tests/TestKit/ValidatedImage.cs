using System.Text.Json;

namespace Kaniko.TestKit;

/// <summary>An image read back from a registry by skopeo and checked by <see cref="ImageValidator"/>.</summary>
public sealed record ValidatedImage(
    string Reference,
    string ManifestDigest,
    string ManifestMediaType,
    JsonElement Manifest,
    string ConfigDigest,
    JsonElement Config,
    IReadOnlyList<ValidatedLayer> Layers)
{
    /// <summary>The image config's <c>config</c> object (Env, Cmd, Entrypoint, WorkingDir, User, Labels...).</summary>
    public JsonElement RuntimeConfig => Config.TryGetProperty("config", out var c) ? c : default;

    /// <summary>The <c>history</c> entries (empty when the config has none).</summary>
    public IReadOnlyList<JsonElement> History =>
        Config.TryGetProperty("history", out var h) ? [.. h.EnumerateArray()] : [];

    /// <summary>The last layer that has an entry for <paramref name="path"/>, and that entry; null if none.</summary>
    public (ValidatedLayer Layer, LayerEntry Entry)? FindLast(string path)
    {
        for (var i = Layers.Count - 1; i >= 0; i--)
        {
            if (Layers[i].Find(path) is { } entry)
            {
                return (Layers[i], entry);
            }
        }

        return null;
    }
}
