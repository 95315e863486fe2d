using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>A file of a layer could not be written (on a writer thread): names the layer and the entry.</summary>
internal sealed class EntryWriteException(string layerName, string entryName, IOException inner)
    : IOException($"layer {layerName}, entry '{PathEncoding.Display(entryName)}': {inner.Message}", inner);
