using System.Runtime.InteropServices;
using System.Text;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Tar;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Extract;

/// <summary>
/// Linux names are bytes: a layer may hold names (and link targets) that are not valid UTF-8. They are extracted byte
/// for byte, never changed to U+FFFD (which would merge distinct names) nor dropped. Checked with raw-byte libc calls.
/// </summary>
public sealed class NonUtf8NameTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Names_and_link_targets_round_trip_byte_for_byte(int writerThreads)
    {
        // "caf\xE9" (Latin-1) and "caf\xE8" differ only in bytes that are not UTF-8: both must exist, distinct.
        var layer = Tar(
            Entry("caf\uDCE9", TarEntryType.RegularFile, content: "e9"),
            Entry("caf\uDCE8", TarEntryType.RegularFile, content: "e8"),
            Entry("d\uDCFF/", TarEntryType.Directory),
            Entry("d\uDCFF/inner", TarEntryType.RegularFile, content: "inner"),
            Entry("link", TarEntryType.SymbolicLink, linkName: "caf\uDCE9"),
            Entry("hard", TarEntryType.HardLink, linkName: "caf\uDCE8"),
            Entry("caf\u00E9-valid", TarEntryType.RegularFile, content: "utf8"));

        await new LayerExtractor(null, writerThreads).ExtractAsync(new MemoryStream(layer), "sha256:latin1", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        Assert.Equal("e9", ReadRaw([.. Root(), .. "/caf"u8, 0xE9]));
        Assert.Equal("e8", ReadRaw([.. Root(), .. "/caf"u8, 0xE8]));
        Assert.Equal("inner", ReadRaw([.. Root(), .. "/d"u8, 0xFF, .. "/inner"u8]));
        Assert.Equal("e8", ReadRaw([.. Root(), .. "/hard"u8]));
        Assert.Equal("utf8", ReadRaw([.. Root(), .. "/caf\u00E9-valid"u8]));
        Assert.Equal([.. "caf"u8, 0xE9], ReadLinkRaw([.. Root(), .. "/link"u8]));
        Assert.False(ExistsRaw([.. Root(), .. "/caf\uFFFD"u8]));
        Assert.Equal(6, Directory.EnumerateFileSystemEntries(_temp.Root).Count());
    }

    [Fact]
    public async Task Whiteouts_and_opaque_directories_remove_names_that_are_not_utf8()
    {
        await new LayerExtractor().ExtractAsync(new MemoryStream(Tar(
            Entry("gone\uDCE9", TarEntryType.RegularFile, content: "x"),
            Entry("opq/", TarEntryType.Directory),
            Entry("opq/old\uDCE9", TarEntryType.RegularFile, content: "x"),
            Entry("opq/sub\uDCE9/", TarEntryType.Directory),
            Entry("opq/sub\uDCE9/deep", TarEntryType.RegularFile, content: "x"))), "sha256:lower", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        await new LayerExtractor().ExtractAsync(new MemoryStream(Tar(
            Entry(".wh.gone\uDCE9", TarEntryType.RegularFile),
            Entry("opq/.wh..wh..opq", TarEntryType.RegularFile),
            Entry("opq/new", TarEntryType.RegularFile, content: "new"))), "sha256:upper", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        Assert.False(ExistsRaw([.. Root(), .. "/gone"u8, 0xE9]));
        Assert.False(ExistsRaw([.. Root(), .. "/opq/old"u8, 0xE9]));
        Assert.False(ExistsRaw([.. Root(), .. "/opq/sub"u8, 0xE9]));
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(_temp.In("opq")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Errors_show_bytes_that_are_not_utf8_as_escapes()
    {
        var error = await Assert.ThrowsAsync<LayerFormatException>(() => new LayerExtractor().ExtractAsync(new MemoryStream(Tar(
            Entry("bad\uDCE9/../../x", TarEntryType.RegularFile, content: "x"))), "sha256:esc", _temp.Root, IgnoreList.Empty, CancellationToken.None));

        Assert.Contains("entry 'bad\\xe9/../../x'", error.Message, StringComparison.Ordinal);
    }

    private byte[] Root() => Encoding.UTF8.GetBytes(_temp.Root);

    private static (TarEntryHeader Header, byte[] Data) Entry(string name, TarEntryType type, string content = "", string linkName = "")
    {
        var data = Encoding.UTF8.GetBytes(content);
        return (new TarEntryHeader
        {
            Name = name,
            Type = type,
            Mode = type == TarEntryType.Directory ? 0x1EDu : 0x1A4u,
            Size = data.Length,
            MtimeSeconds = 1_700_000_000,
            LinkName = linkName,
        }, data);
    }

    /// <summary>A tar written by our writer, which turns the escaped bytes back into the raw bytes.</summary>
    private static byte[] Tar(params (TarEntryHeader Header, byte[] Data)[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarStreamWriter(output))
        {
            foreach (var (header, data) in entries)
            {
                writer.WriteEntry(header);
                writer.WriteData(data);
            }

            writer.Finish();
        }

        return output.ToArray();
    }

    private static bool ExistsRaw(byte[] path) => Access([.. path, 0], 0) == 0;

    private static string ReadRaw(byte[] path)
    {
        var fd = Open([.. path, 0], 0);
        Assert.True(fd >= 0, $"open failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var buffer = new byte[256];
            var count = Read(fd, buffer, buffer.Length);
            return Encoding.UTF8.GetString(buffer, 0, (int)count);
        }
        finally
        {
            Close(fd);
        }
    }

    private static byte[] ReadLinkRaw(byte[] path)
    {
        var buffer = new byte[256];
        var count = ReadLink([.. path, 0], buffer, buffer.Length);
        Assert.True(count >= 0);
        return buffer[..(int)count];
    }

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access(byte[] path, int mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "readlink", SetLastError = true)]
    private static extern nint ReadLink(byte[] path, byte[] buffer, nint size);
}
