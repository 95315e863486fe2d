namespace Kaniko.TestKit;

/// <summary>A build context folder (Dockerfile and files) that deletes itself on dispose.</summary>
public sealed class BuildContext : IDisposable
{
    private readonly TempDirectory _directory;

    private BuildContext(TempDirectory directory)
    {
        _directory = directory;
    }

    public string Path => _directory.Path;

    public string DockerfilePath => _directory.Combine("Dockerfile");

    /// <summary>A context with <paramref name="dockerfile"/> as its Dockerfile.</summary>
    public static BuildContext Create(string dockerfile)
    {
        var context = new BuildContext(TempDirectory.Create("context"));
        File.WriteAllText(context.DockerfilePath, dockerfile);
        return context;
    }

    /// <summary>Adds a file (folders created as needed), optionally with a Unix mode.</summary>
    public BuildContext WithFile(string relativePath, string content, UnixFileMode? mode = null)
    {
        var path = FullPath(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (mode is { } m && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, m);
        }

        return this;
    }

    /// <summary>Adds a symbolic link at <paramref name="relativePath"/> pointing to <paramref name="target"/>.</summary>
    public BuildContext WithSymlink(string relativePath, string target)
    {
        var path = FullPath(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
        return this;
    }

    /// <summary>Adds an empty folder.</summary>
    public BuildContext WithDirectory(string relativePath)
    {
        Directory.CreateDirectory(FullPath(relativePath));
        return this;
    }

    public void Dispose() => _directory.Dispose();

    private string FullPath(string relativePath)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relativePath));
        if (!path.StartsWith(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{relativePath} leaves the context", nameof(relativePath));
        }

        return path;
    }
}
