using System.Text;
using Kaniko.Executor.Filesystem.Tar;

namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>Builds layers with our own tar writer, for what System.Formats.Tar cannot express (binary xattr values).</summary>
internal static class OwnTar
{
    public static byte[] Build(params (string Name, string Content, Dictionary<string, byte[]>? Xattrs)[] files)
    {
        using var output = new MemoryStream();
        using (var writer = new TarStreamWriter(output))
        {
            foreach (var (name, content, xattrs) in files)
            {
                var data = Encoding.UTF8.GetBytes(content);
                writer.WriteEntry(new TarEntryHeader { Name = name, Mode = 0x1ED, Size = data.Length, MtimeSeconds = 1_700_000_000, Xattrs = xattrs });
                writer.WriteData(data);
            }

            writer.Finish();
        }

        return output.ToArray();
    }
}
