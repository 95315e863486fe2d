using System.IO.Enumeration;

namespace Kaniko.Executor.Filesystem;

/// <summary>Lists one directory's entry names (not recursive, symlinks not followed).</summary>
internal static class DirectoryListing
{
    /// <summary>Names with whether each is a real directory (not a symlink to one), as readdir reports.</summary>
    public static List<(string Name, bool IsDirectory)> Read(string hostDirectory)
    {
        var enumerable = new FileSystemEnumerable<(string, bool)>(
            hostDirectory,
            (ref FileSystemEntry entry) => (entry.FileName.ToString(),
                entry.IsDirectory && (entry.Attributes & FileAttributes.ReparsePoint) == 0),
            new EnumerationOptions
            {
                RecurseSubdirectories = false,
                IgnoreInaccessible = false,
                AttributesToSkip = 0,
                ReturnSpecialDirectories = false,
            });
        return [.. enumerable];
    }
}
