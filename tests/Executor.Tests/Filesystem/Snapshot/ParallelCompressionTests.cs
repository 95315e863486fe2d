using System.IO.Compression;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Snapshot;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Snapshot;

public sealed class ParallelCompressionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Output_does_not_depend_on_the_number_of_threads_and_decompresses_to_the_input()
    {
        var input = new byte[(5 << 20) + 123];
        new Random(3).NextBytes(input.AsSpan(0, input.Length / 2));

        var one = Compress(input, parallelism: 1);
        var four = Compress(input, parallelism: 4);

        Assert.Equal(one, four);
        using var gzip = new GZipStream(new MemoryStream(one), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        Assert.Equal(input, output.ToArray());
    }

    [Fact]
    public void Empty_input_is_still_a_valid_stream()
    {
        var empty = Compress([], parallelism: 2);

        using var gzip = new GZipStream(new MemoryStream(empty), CompressionMode.Decompress);
        Assert.Equal(-1, gzip.ReadByte());
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, "gzip")]
    [InlineData(LayerCompression.Zstd, "zstd")]
    public async Task Multi_member_layers_pass_the_cli_tools_and_extract(LayerCompression compression, string tool)
    {
        var source = _temp.NewRoot("source");
        var snapshotter = new Snapshotter(source, IgnoreList.Empty, new SnapshotOptions(compression));
        await snapshotter.InitializeAsync(CancellationToken.None);
        var random = new Random(5);
        for (var i = 0; i < 6; i++)
        {
            var content = new byte[1 << 20];
            random.NextBytes(content.AsSpan(0, content.Length / 3));
            File.WriteAllBytes(Path.Combine(source, $"f{i}"), content);
        }

        var layer = (await snapshotter.TakeSnapshotAsync(_temp.Layers, CancellationToken.None))!;
        Run.Command(tool, $"-t {layer.Path}");
        LayerContents.AssertDescriptorMatchesFile(layer);
        var fresh = _temp.NewRoot("fresh");
        await Layers.ExtractFile(layer.Path, fresh);

        Assert.Equal(TreeListing.Of(source, withDirectoryMtime: false), TreeListing.Of(fresh, withDirectoryMtime: false));
    }

    private static byte[] Compress(byte[] input, int parallelism)
    {
        using var output = new MemoryStream();
        using (var stream = new ParallelCompressionStream(output, d => new GZipStream(d, CompressionLevel.Fastest, leaveOpen: true), chunkSize: 1 << 20, parallelism))
        {
            stream.Write(input, 0, input.Length / 3);
            stream.Write(input, input.Length / 3, input.Length - (input.Length / 3));
            stream.Finish();
        }

        return output.ToArray();
    }
}
