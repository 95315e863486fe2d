namespace Kaniko.TestKit;

/// <summary>A fresh directory under the system temp folder, deleted with its content on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Creates <c>$TMPDIR/kaniko-tests/PREFIX-RANDOM</c>.</summary>
    public static TempDirectory Create(string prefix = "tmp")
    {
        var parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kaniko-tests");
        Directory.CreateDirectory(parent);
        while (true)
        {
            var path = System.IO.Path.Combine(parent, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path);
                return new TempDirectory(path);
            }
        }
    }

    /// <summary>A path inside this directory (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Creates and returns a subdirectory.</summary>
    public string CreateSubdirectory(string name) => Directory.CreateDirectory(Combine(name)).FullName;

    public override string ToString() => Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Read-only trees (extracted images) may refuse a plain delete; fall back to rm.
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", "--", Path]);
            rm.WaitForExit();
        }
    }
}
