using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Image.Outputs;

/// <summary>
/// A <c>docker save</c> tarball (<c>--tar-path</c>): <c>manifest.json</c>, the config as <c>&lt;hex&gt;.json</c> and each
/// layer blob as <c>&lt;hex&gt;.tar.gz</c> (compressed, as kaniko writes them). <c>docker load</c>, <c>podman load</c>
/// and <c>skopeo copy docker-archive:</c> accept it.
/// </summary>
public static class DockerArchive
{
    private const long MaxDocumentBytes = 32 * 1024 * 1024;

    /// <summary>Writes the tarball to <paramref name="path"/> (through a temporary file), tagged with <paramref name="repoTags"/>.</summary>
    public static async Task WriteAsync(string path, ImageContent image, IReadOnlyList<string> repoTags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(repoTags);
        var configName = $"{image.Config.Digest.Encoded}.json";
        var layerNames = image.Layers.Select(LayerName).ToList();
        var entry = new DockerArchiveEntry(configName, repoTags, layerNames);
        var manifestJson = JsonSerializer.SerializeToUtf8Bytes([entry], OutputsJsonContext.Default.DockerArchiveEntryArray);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true);
                await using (writer.ConfigureAwait(false))
                {
                    await WriteEntryAsync(writer, configName, new MemoryStream(image.ConfigBytes.ToArray(), writable: false), cancellationToken).ConfigureAwait(false);
                    var written = new HashSet<string>(StringComparer.Ordinal);
                    for (var i = 0; i < image.Layers.Count; i++)
                    {
                        if (!written.Add(layerNames[i]))
                        {
                            continue;
                        }

                        var layer = image.Layers[i];
                        var content = await image.OpenLayer(layer, cancellationToken).ConfigureAwait(false);
                        await using (content.ConfigureAwait(false))
                        {
                            var counted = new CountingStream(content);
                            await WriteEntryAsync(writer, layerNames[i], counted, cancellationToken).ConfigureAwait(false);
                            if (counted.Count != layer.Size)
                            {
                                throw new InvalidDataException($"layer {layer.Digest} gave {counted.Count} bytes, expected {layer.Size}");
                            }
                        }
                    }

                    await WriteEntryAsync(writer, "manifest.json", new MemoryStream(manifestJson, writable: false), cancellationToken).ConfigureAwait(false);
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A file that is no tar at all fails inside TarReader with a message that names neither file nor format.</summary>
    private static async Task<TarEntry?> NextEntryAsync(TarReader reader, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a docker-save tarball (as --tar-path writes it) or is cut short: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads a docker-save tarball: its files are unpacked into <paramref name="workDirectory"/> (layers stay as
    /// stored, compressed or not) and described by a new manifest: Docker schema 2 when all layers are gzip, else OCI.
    /// </summary>
    public static async Task<(ImageContent Image, IReadOnlyList<string> RepoTags)> ReadAsync(string path, string workDirectory, string? repoTag, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var files = new Dictionary<string, (string Path, Digest Digest, long Size, byte[] Head)>(StringComparer.Ordinal);
        var archive = ImageContent.OpenRead(path);
        await using (archive.ConfigureAwait(false))
        {
            var reader = new TarReader(archive);
            await using (reader.ConfigureAwait(false))
            {
                var index = 0;
                while (await NextEntryAsync(reader, path, cancellationToken).ConfigureAwait(false) is { } tarEntry)
                {
                    if (tarEntry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || tarEntry.DataStream is null)
                    {
                        continue;
                    }

                    var name = Normalize(tarEntry.Name);
                    var target = Path.Combine(workDirectory, $"{index++}.blob");
                    files[name] = await ExtractAsync(tarEntry.DataStream, target, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (!files.TryGetValue("manifest.json", out var manifestFile))
        {
            throw new InvalidDataException($"{path} is not a docker-save tarball: it has no manifest.json");
        }

        DockerArchiveEntry[] entries;
        try
        {
            entries = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(manifestFile.Path, cancellationToken).ConfigureAwait(false), OutputsJsonContext.Default.DockerArchiveEntryArray) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the manifest.json of {path} is malformed: {e.Message}", e);
        }

        var chosen = repoTag is null
            ? entries.Length == 1 ? entries[0] : throw new InvalidDataException($"{path} holds {entries.Length} images: name one of {string.Join(", ", entries.SelectMany(e => e.RepoTags ?? []))}")
            : entries.FirstOrDefault(e => e.RepoTags?.Contains(repoTag) == true) ?? throw new InvalidDataException($"{path} has no image tagged {repoTag}");

        (string Path, Digest Digest, long Size, byte[] Head) Find(string name) =>
            files.TryGetValue(Normalize(name), out var file) ? file : throw new InvalidDataException($"{path} lacks {name}, which its manifest.json names");

        var configFile = Find(chosen.Config);
        if (configFile.Size > MaxDocumentBytes)
        {
            throw new InvalidDataException($"the config {chosen.Config} in {path} is too large ({configFile.Size} bytes)");
        }

        var configBytes = await File.ReadAllBytesAsync(configFile.Path, cancellationToken).ConfigureAwait(false);
        _ = ImageJson.Deserialize(configBytes, ImageJsonContext.Default.ImageConfig, $"config {chosen.Config} in {path}");
        var layerFiles = (chosen.Layers ?? []).Select(Find).ToList();
        var kinds = layerFiles.Select(f => Compression(f.Head)).ToList();
        var docker = kinds.All(k => k == "gzip");
        var layers = layerFiles.Select((f, i) => new Descriptor(
            docker ? MediaTypes.DockerLayerGzip : kinds[i] switch
            {
                "gzip" => MediaTypes.OciLayerGzip,
                "zstd" => MediaTypes.OciLayerZstd,
                _ => MediaTypes.OciLayer,
            },
            f.Digest,
            f.Size)).ToList();
        var config = new Descriptor(docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, configFile.Digest, configFile.Size);
        var mediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifestBytes = ImageJson.Serialize(new ImageManifest(2, mediaType, config, layers));
        var paths = layerFiles.ToDictionary(f => f.Digest, f => f.Path);
        var image = new ImageContent(manifestBytes, mediaType, configBytes, config, layers, (layer, _) => Task.FromResult<Stream>(ImageContent.OpenRead(paths[layer.Digest])));
        return (image, chosen.RepoTags ?? []);
    }

    private static string LayerName(Descriptor layer) =>
        layer.MediaType.EndsWith("gzip", StringComparison.Ordinal) ? $"{layer.Digest.Encoded}.tar.gz"
        : layer.MediaType.EndsWith("zstd", StringComparison.Ordinal) ? $"{layer.Digest.Encoded}.tar.zst"
        : $"{layer.Digest.Encoded}.tar";

    private static async Task WriteEntryAsync(TarWriter writer, string name, Stream content, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = content,
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string Path, Digest Digest, long Size, byte[] Head)> ExtractAsync(Stream data, string target, CancellationToken cancellationToken)
    {
        using var hasher = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var head = new byte[4];
        var headLength = 0;
        long size = 0;
        var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (headLength < head.Length)
                {
                    var take = Math.Min(n, head.Length - headLength);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                }

                hasher.AppendData(buffer, 0, n);
                size += n;
                await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }

        return (target, Digest.FromSha256Hash(hasher.GetHashAndReset()), size, head[..headLength]);
    }

    private static string Compression(byte[] head) => head switch
    {
        [0x1f, 0x8b, ..] => "gzip",
        [0x28, 0xb5, 0x2f, 0xfd] => "zstd",
        _ => "none",
    };

    private static string Normalize(string name)
    {
        var trimmed = name.Replace('\\', '/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return trimmed.TrimStart('/');
    }

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>One image in a docker-save <c>manifest.json</c>.</summary>
public sealed record DockerArchiveEntry(
    [property: JsonPropertyName("Config")] string Config,
    [property: JsonPropertyName("RepoTags")] IReadOnlyList<string>? RepoTags,
    [property: JsonPropertyName("Layers")] IReadOnlyList<string>? Layers);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DockerArchiveEntry[]))]
internal sealed partial class OutputsJsonContext : JsonSerializerContext;
