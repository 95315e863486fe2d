namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>A fresh directory under /tmp with a build root and a sibling "outside" that hostile layers must not touch.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Layers);
        File.WriteAllText(System.IO.Path.Combine(Outside, "victim"), "original");
    }

    public string Path { get; }

    public string Root => System.IO.Path.Combine(Path, "root");

    public string Outside => System.IO.Path.Combine(Path, "outside");

    public string Layers => System.IO.Path.Combine(Path, "layers");

    public string In(string relative) => System.IO.Path.Combine(Root, relative.TrimStart('/'));

    public string NewRoot(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Run.Command("chattr", $"-R -i {Path}", check: false);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Names .NET cannot represent (not UTF-8) make Directory.Delete fail: rm takes bytes.
            Run.Command("rm", $"-rf {Path}", check: false);
        }
    }
}
