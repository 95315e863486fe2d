using System.Diagnostics;
using System.Security.Cryptography;
using System.Formats.Tar;
using System.IO.Compression;
using Kaniko.Executor.Build;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Outputs;
using Kaniko.Executor.Registry;

namespace Kaniko.Bench.Registry;

/// <summary>
/// One operation per process, so run.sh can time it and read its peak memory:
///   gen  LAYOUT SIZE_MB LAYERS   write an OCI layout with random layer blobs
///   push LAYOUT REF              push the layout's image with our client
///   pull REF DIR                 resolve REF and download its verified blobs into DIR
///   unpack REF DIR               what a build does with a base image: BaseImageLoader downloads the layers
///                                into DIR/blobs and unpacks each into DIR/root while it downloads
/// Layers are real tar+gzip (a few large random files each), so they can be unpacked.
/// Prints "seconds=S peak_rss_mb=M" on success.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var watch = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cancel.Token;
        switch (args)
        {
            case ["gen", var layout, var sizeMb, var layers]:
                await GenerateAsync(layout, long.Parse(sizeMb, System.Globalization.CultureInfo.InvariantCulture) << 20, int.Parse(layers, System.Globalization.CultureInfo.InvariantCulture), ct);
                break;
            case ["push", var layout, var reference]:
                {
                    var image = await OciLayout.ReadAsync(layout, "bench", null, ct);
                    var target = ImageReference.Parse(reference);
                    using var client = new RegistryClient(Options(target));
                    await client.PushImageAsync(image, [target], ct);
                    break;
                }

            case ["pull", var reference, var directory]:
                {
                    var source = ImageReference.Parse(reference);
                    using var client = new RegistryClient(Options(source));
                    var resolved = await client.ResolveImageAsync(source, Platform.Parse("linux/amd64"), ct);
                    Directory.CreateDirectory(directory);
                    await Parallel.ForEachAsync(
                        resolved.Manifest.Layers,
                        new ParallelOptions { MaxDegreeOfParallelism = 3, CancellationToken = ct },
                        async (layer, c) =>
                        {
                            var blob = await client.OpenBlobAsync(resolved.Reference, layer, c);
                            await using (blob)
                            {
                                var file = new FileStream(Path.Combine(directory, layer.Digest.Encoded), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                                await using (file)
                                {
                                    await blob.CopyToAsync(file, 1 << 20, c);
                                }
                            }
                        });
                    break;
                }

            case ["unpack", var reference, var directory]:
                {
                    var source = ImageReference.Parse(reference);
                    using var client = new RegistryClient(Options(source));
                    var loader = new BaseImageLoader(client, Path.Combine(directory, "blobs"), Platform.Parse("linux/amd64"));
                    var image = await loader.ResolveAsync(reference, ct);
                    var root = Path.Combine(directory, "root");
                    Directory.CreateDirectory(root);
                    await loader.UnpackAsync(image, root, IgnoreList.Create(root, [], readMountInfo: false), ct);
                    break;
                }

            default:
                await Console.Error.WriteLineAsync("usage: gen LAYOUT SIZE_MB LAYERS | push LAYOUT REF | pull REF DIR | unpack REF DIR");
                return 2;
        }

        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"seconds={watch.Elapsed.TotalSeconds:0.000} peak_rss_mb={PeakRssMb():0.0}"));
        return 0;
    }

    private static RegistryClientOptions Options(ImageReference reference) => new()
    {
        InsecureRegistries = new HashSet<string> { reference.Registry },
    };

    private static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private const int FilesPerLayer = 4;

    private static async Task GenerateAsync(string layout, long totalBytes, int layerCount, CancellationToken ct)
    {
        var staging = layout + ".staging";
        Directory.CreateDirectory(staging);
        var layers = new (Descriptor Descriptor, Digest DiffId, string Path)[layerCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, layerCount), ct, async (i, c) =>
        {
            var path = Path.Combine(staging, $"layer{i}");
            var fileSize = totalBytes / layerCount / FilesPerLayer;
            using var compressedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long compressedSize;
            await using (var file = File.Create(path))
            {
                var counted = new HashingWriteStream(file, compressedHash);
                await using (var gzip = new GZipStream(counted, CompressionLevel.Fastest, leaveOpen: true))
                {
                    var tar = new HashingWriteStream(gzip, tarHash);
                    await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
                    {
                        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, $"layer{i}/") { Mode = (UnixFileMode)0x1ED }, c);
                        for (var f = 0; f < FilesPerLayer; f++)
                        {
                            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"layer{i}/file{f}.bin")
                            {
                                Mode = (UnixFileMode)0x1A4,
                                DataStream = new RandomStream(fileSize),
                            };
                            await writer.WriteEntryAsync(entry, c);
                        }
                    }
                }

                compressedSize = counted.Count;
            }

            layers[i] = (new Descriptor(MediaTypes.OciLayerGzip, Digest.FromSha256Hash(compressedHash.GetHashAndReset()), compressedSize),
                Digest.FromSha256Hash(tarHash.GetHashAndReset()), path);
        });

        var config = new ImageConfig
        {
            Created = DateTimeOffset.UnixEpoch,
            RootFs = new Kaniko.Executor.Image.RootFs("layers", layers.Select(l => l.DiffId).ToList()),
        };
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var manifest = ImageJson.Serialize(new ImageManifest(2, MediaTypes.OciManifest, configDescriptor, layers.Select(l => l.Descriptor).ToList()));
        await OciLayout.WriteAsync(layout, ImageContent.FromFiles(manifest, MediaTypes.OciManifest, configBytes, configDescriptor, layers.Select(l => (l.Descriptor, l.Path)).ToList()), "bench", ct);
        Directory.Delete(staging, recursive: true);
    }

    /// <summary>
    /// Random bytes (fast, not cryptographic) of a given length: incompressible file content. "Seekable" only so
    /// that TarWriter can ask its length (it writes to an unseekable gzip stream).
    /// </summary>
    private sealed class RandomStream(long length) : Stream
    {
        private readonly Random _random = new();
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Hashes and counts what is written through it.</summary>
    private sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            Count += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            Count += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
