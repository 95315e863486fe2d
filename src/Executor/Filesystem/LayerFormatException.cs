using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem;

/// <summary>A layer blob that is not a well-formed (or not a safe) tar: names the layer and, when known, the entry.</summary>
public sealed class LayerFormatException : Exception
{
    public LayerFormatException(string layerName, string? entryName, string message, Exception? innerException = null)
        : base(Format(layerName, entryName, message), innerException)
    {
        LayerName = layerName;
        EntryName = entryName;
    }

    public string LayerName { get; }

    public string? EntryName { get; }

    private static string Format(string layerName, string? entryName, string message) =>
        entryName is null ? $"layer {layerName}: {message}" : $"layer {layerName}, entry '{PathEncoding.Display(entryName)}': {message}";
}
