using Kaniko.Executor.Image.Outputs;

namespace Kaniko.Executor.Tests.Image.Outputs;

/// <summary>What `executor push FILE` says when FILE is not a tarball it can read.</summary>
public sealed class DockerArchiveReadTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kaniko-archive-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("hi\n")]
    [InlineData("")]
    public async Task A_file_that_is_not_a_tarball_is_named_as_such(string content)
    {
        var file = Path.Combine(_work, "a.txt");
        await File.WriteAllTextAsync(file, content);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DockerArchive.ReadAsync(file, Path.Combine(_work, "unpacked"), null, CancellationToken.None));

        Assert.StartsWith(file + " is not a docker-save tarball", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tarball_cut_short_is_named_as_such()
    {
        var source = Path.Combine(_work, "src");
        Directory.CreateDirectory(source);
        await File.WriteAllBytesAsync(Path.Combine(source, "manifest.json"), new byte[5000]);
        var tar = Path.Combine(_work, "image.tar");
        await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(source, tar, includeBaseDirectory: false);
        var bytes = await File.ReadAllBytesAsync(tar);
        await File.WriteAllBytesAsync(tar, bytes[..1000]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DockerArchive.ReadAsync(tar, Path.Combine(_work, "unpacked"), null, CancellationToken.None));

        Assert.Contains(tar, error.Message, StringComparison.Ordinal);
    }
}
