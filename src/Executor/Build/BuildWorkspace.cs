using Kaniko.Executor.Cli;

namespace Kaniko.Executor.Build;

/// <summary>
/// The executor's scratch space inside its own folder: layer blobs, pulled blobs, kept stages.
/// Removed after the build; the folder itself is removed only when the executor created it.
/// </summary>
public sealed class BuildWorkspace : IDisposable
{
    private readonly bool _ownsKanikoDir;

    private BuildWorkspace(string path, bool ownsKanikoDir, string kanikoDir)
    {
        Path = path;
        _ownsKanikoDir = ownsKanikoDir;
        KanikoDir = kanikoDir;
    }

    public string KanikoDir { get; }

    public string Path { get; }

    public string BlobsDirectory => System.IO.Path.Combine(Path, "blobs");

    public string LayersDirectory => System.IO.Path.Combine(Path, "layers");

    public string StagesDirectory => System.IO.Path.Combine(Path, "stages");

    public static BuildWorkspace Create(ExecutorOptions options)
    {
        var ownsKanikoDir = !Directory.Exists(options.KanikoDir);
        var path = System.IO.Path.Combine(options.KanikoDir, "work", Guid.NewGuid().ToString("N")[..12]);
        var workspace = new BuildWorkspace(path, ownsKanikoDir, options.KanikoDir);
        Directory.CreateDirectory(workspace.BlobsDirectory);
        Directory.CreateDirectory(workspace.LayersDirectory);
        Directory.CreateDirectory(workspace.StagesDirectory);
        return workspace;
    }

    public void Dispose()
    {
        var target = _ownsKanikoDir ? KanikoDir : Path;
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
    }
}
