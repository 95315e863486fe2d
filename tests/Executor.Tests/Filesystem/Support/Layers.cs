using Kaniko.Executor.Filesystem;

namespace Kaniko.Executor.Tests.Filesystem.Support;

internal static class Layers
{
    public static Task Extract(byte[] blob, string root, IgnoreList? ignore = null, List<string>? warnings = null, string name = "sha256:test") =>
        new LayerExtractor(warnings is null ? null : warnings.Add)
            .ExtractAsync(new MemoryStream(blob), name, root, ignore ?? IgnoreList.Empty, CancellationToken.None);

    public static Task ExtractFile(string path, string root, IgnoreList? ignore = null)
    {
        var stream = File.OpenRead(path);
        return new LayerExtractor().ExtractAsync(stream, path, root, ignore ?? IgnoreList.Empty, CancellationToken.None);
    }
}
