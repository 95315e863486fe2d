using System.Diagnostics;
using System.Security.Cryptography;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Outputs;
using Kaniko.Executor.Registry;

namespace Kaniko.Bench.Registry;

/// <summary>
/// One operation per process, so run.sh can time it and read its peak memory:
///   gen  LAYOUT SIZE_MB LAYERS   write an OCI layout with random layer blobs
///   push LAYOUT REF              push the layout's image with our client
///   pull REF DIR                 resolve REF and download its verified blobs into DIR
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

            default:
                await Console.Error.WriteLineAsync("usage: gen LAYOUT SIZE_MB LAYERS | push LAYOUT REF | pull REF DIR");
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

    private static async Task GenerateAsync(string layout, long totalBytes, int layerCount, CancellationToken ct)
    {
        var staging = layout + ".staging";
        Directory.CreateDirectory(staging);
        var layers = new List<(Descriptor, string)>();
        var buffer = new byte[1 << 20];
        for (var i = 0; i < layerCount; i++)
        {
            var path = Path.Combine(staging, $"layer{i}");
            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var size = totalBytes / layerCount;
            await using (var file = File.Create(path))
            {
                for (long written = 0; written < size; written += buffer.Length)
                {
                    RandomNumberGenerator.Fill(buffer);
                    var n = (int)Math.Min(buffer.Length, size - written);
                    hasher.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), ct);
                }
            }

            layers.Add((new Descriptor(MediaTypes.OciLayerGzip, Digest.FromSha256Hash(hasher.GetHashAndReset()), size), path));
        }

        var config = new ImageConfig
        {
            Created = DateTimeOffset.UnixEpoch,
            RootFs = new RootFs("layers", layers.Select(l => l.Item1.Digest).ToList()),
        };
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var manifest = ImageJson.Serialize(new ImageManifest(2, MediaTypes.OciManifest, configDescriptor, layers.Select(l => l.Item1).ToList()));
        await OciLayout.WriteAsync(layout, ImageContent.FromFiles(manifest, MediaTypes.OciManifest, configBytes, configDescriptor, layers), "bench", ct);
        Directory.Delete(staging, recursive: true);
    }
}
