using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Extract;

/// <summary>
/// Regular files are written on worker threads: the result must be that of applying the entries one by one, whatever
/// touches the same paths (duplicates, replacements, hardlinks, symlinks, whiteouts) while files are still queued.
/// </summary>
public sealed class ParallelExtractionTests : IDisposable
{
    private static readonly string[] _paths = ["a", "b", "c", "a/x", "a/y", "b/x", "a/x/z", "b/x/z", "c/q"];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 24)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Random_layers_give_the_same_tree_with_writer_threads_as_one_by_one(int seed)
    {
        var random = new Random(seed);
        var layers = Enumerable.Range(0, 3).Select(_ => RandomLayer(random)).ToList();
        var sequential = _temp.NewRoot("sequential");
        var parallel = _temp.NewRoot("parallel");

        for (var i = 0; i < layers.Count; i++)
        {
            var expected = await Outcome(layers[i], sequential, writerThreads: 0);
            var actual = await Outcome(layers[i], parallel, writerThreads: 3);

            Assert.Equal(expected, actual);
            if (expected is not null)
            {
                return; // a failed layer leaves a partial root; only the error is comparable
            }

            Assert.Equal(Listing(sequential), Listing(parallel));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Paths_written_again_in_directories_the_same_layer_created_are_replaced(int writerThreads)
    {
        var layer = new LayerBuilder()
            .Directory("n/")
            .File("n/f", "one")
            .File("n/f", "two")
            .Symlink("n/s", "f")
            .File("n/s", "a file now")
            .File("m/deep/f", "x")
            .File("m/deep/f", "y")
            .Directory("n/d/")
            .File("n/d/x", "x")
            .File("n/d", "was a directory")
            .Tar();

        await new LayerExtractor(null, writerThreads).ExtractAsync(new MemoryStream(layer), "sha256:again", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        Assert.Equal("two", File.ReadAllText(_temp.In("n/f")));
        Assert.False(Kaniko.Executor.Filesystem.Native.Posix.LStat(_temp.In("n/s")).IsSymlink);
        Assert.Equal("a file now", File.ReadAllText(_temp.In("n/s")));
        Assert.Equal("y", File.ReadAllText(_temp.In("m/deep/f")));
        Assert.Equal("was a directory", File.ReadAllText(_temp.In("n/d")));
    }

    [Fact]
    public async Task Files_spanning_chunks_and_files_larger_than_the_queue_limit_keep_their_content()
    {
        var random = new Random(5);
        var builder = new LayerBuilder();
        var expected = new Dictionary<string, string>();
        var sizes = new[] { 0, 1, 511, 512, 513, (1 << 20) - 100, 1 << 20, (1 << 20) + 7, 3 << 20, (9 << 20) + 3, 12345 };
        for (var i = 0; i < 60; i++)
        {
            var content = new byte[i < sizes.Length ? sizes[i] : random.Next(200_000)];
            random.NextBytes(content);
            builder.File($"d{i % 4}/f{i}", content);
            expected[$"d{i % 4}/f{i}"] = Convert.ToHexString(SHA256.HashData(content));
        }

        await new LayerExtractor(null, writerThreads: 2).ExtractAsync(
            new MemoryStream(builder.Gzip()), "sha256:big", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        foreach (var (name, hash) in expected)
        {
            Assert.Equal(hash, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_temp.In(name)))));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_file_that_fails_on_a_writer_thread_is_named_with_its_layer(int writerThreads)
    {
        // 100 KB is over the kernel's limit for one extended attribute value: fsetxattr fails with E2BIG.
        var tooBig = new string('v', 100_000);
        var builder = new LayerBuilder();
        for (var i = 0; i < 50; i++)
        {
            builder.File($"ok/{i}", "fine");
        }

        builder.File("bad/file", "x", pax: [new("SCHILY.xattr.user.big", tooBig)]);
        for (var i = 0; i < 50; i++)
        {
            builder.File($"after/{i}", "fine");
        }

        var error = await Assert.ThrowsAnyAsync<IOException>(() => new LayerExtractor(null, writerThreads).ExtractAsync(
            new MemoryStream(builder.Tar()), "sha256:xattr", _temp.Root, IgnoreList.Empty, CancellationToken.None));

        Assert.Contains("layer sha256:xattr, entry 'bad/file'", error.Message, StringComparison.Ordinal);
        Assert.Contains("xattr:user.big", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The tree, with the creation time of directories that no entry gave a time to shown as "now".</summary>
    private static List<string> Listing(string root) =>
        [.. TreeListing.Of(root).Select(line => Regex.Replace(line, "mtime=1[7-9][5-9][0-9]{7}", "mtime=now"))];

    private async Task<string?> Outcome(byte[] layer, string root, int writerThreads)
    {
        try
        {
            await new LayerExtractor(null, writerThreads).ExtractAsync(new MemoryStream(layer), "sha256:random", root, IgnoreList.Empty, CancellationToken.None);
            return null;
        }
        catch (Exception exception) when (exception is IOException or LayerFormatException)
        {
            return exception.GetType().Name + ": " + exception.Message.Replace(root, "ROOT", StringComparison.Ordinal);
        }
    }

    /// <summary>A few hundred entries: filler files (so that writers have a queue) between operations on a small set of paths.</summary>
    private static byte[] RandomLayer(Random random)
    {
        var builder = new LayerBuilder();
        var filler = 0;
        for (var i = 0; i < 60; i++)
        {
            var path = _paths[random.Next(_paths.Length)];
            switch (random.Next(12))
            {
                case < 5:
                    builder.File(path, $"{path} {random.Next()}", mode: random.Next(2) == 0 ? 0x1A4 : 0x1ED);
                    break;
                case 5 or 6:
                    builder.Directory(path + "/");
                    break;
                case 7:
                    // Mostly to the filler directory or nowhere (links among the paths soon make loops).
                    var target = random.Next(6) switch
                    {
                        0 => "/" + _paths[random.Next(_paths.Length)],
                        1 => "/nowhere",
                        2 => "../fill",
                        _ => "/fill",
                    };
                    builder.Symlink(path, target);
                    break;
                case 8:
                    // Mostly to a file of this layer that may still be queued; sometimes to whatever a path holds.
                    var fillerInFill = filler > 0 ? $"fill/f{random.Next(filler)}" : null;
                    builder.HardLink(path, random.Next(10) == 0 || fillerInFill is null ? _paths[random.Next(_paths.Length)] : fillerInFill);
                    break;
                case 9 or 10:
                    var slash = path.LastIndexOf('/');
                    builder.Whiteout(slash < 0 ? "" : path[..slash], slash < 0 ? path : path[(slash + 1)..]);
                    break;
                default:
                    builder.Opaque(path);
                    break;
            }

            for (var n = random.Next(8); n > 0; n--)
            {
                var directory = random.Next(3) == 0 ? _paths[random.Next(_paths.Length)] : "fill";
                builder.File($"{directory}/f{filler}", new string('x', random.Next(3000)));
                if (directory != "fill")
                {
                    builder.File($"fill/f{filler}", "filler");
                }

                filler++;
            }
        }

        return builder.Tar();
    }
}
