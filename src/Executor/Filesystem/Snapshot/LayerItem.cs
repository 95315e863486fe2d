using System.Text;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

internal enum LayerItemKind
{
    /// <summary><c>dir/.wh..wh..opq</c>: hide everything lower layers had in the directory.</summary>
    Opaque,

    /// <summary><c>dir/.wh.name</c>: the path was deleted.</summary>
    Whiteout,

    /// <summary>The path's current state.</summary>
    Entry,
}

/// <summary>One tar entry of a snapshot layer, with the key that orders it.</summary>
internal readonly record struct LayerItem(string Path, LayerItemKind Kind, FileStatus Status)
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";

    public string TarName => Kind switch
    {
        LayerItemKind.Opaque => Path[1..] + "/" + OpaqueMarker,
        LayerItemKind.Whiteout => Combine(InsidePath.Parent(Path), WhiteoutPrefix + InsidePath.FileName(Path)),
        _ => Status.IsDirectory ? Path[1..] + "/" : Path[1..],
    };

    /// <summary>
    /// Orders entries component by component (a directory before its contents), and within a directory puts the
    /// opaque marker first, then whiteouts, then entries: a whiteout never follows what it must not hide.
    /// </summary>
    public string SortKey
    {
        get
        {
            var name = TarName.TrimEnd('/');
            var key = new StringBuilder(name.Length + 16);
            foreach (var part in name.Split('/'))
            {
                key.Append(part == OpaqueMarker ? '\u0001' : part.StartsWith(WhiteoutPrefix, StringComparison.Ordinal) ? '\u0002' : '\u0003');
                key.Append(part).Append('\0');
            }

            return key.ToString();
        }
    }

    private static string Combine(string parent, string name) => parent == InsidePath.Root ? name : parent[1..] + "/" + name;
}
