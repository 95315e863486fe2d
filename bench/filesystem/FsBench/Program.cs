using System.Diagnostics;
using System.Globalization;
using Kaniko.Executor.Filesystem;
using Kaniko.Bench.Filesystem;

// Usage (see ../run.sh):
//   gen-small DIR FILES            | gen-layer DIR FILES MEGABYTES
//   snapshot DIR REPEAT OUTDIR     : baseline, REPEAT unchanged snapshots, REPEAT one-file-change snapshots
//   write-layer DIR OUTDIR [gzip|zstd|none]   : the whole tree as one layer
//   extract LAYER DEST             : one extraction into DEST
var command = args.Length > 0 ? args[0] : "";
var ct = CancellationToken.None;
switch (command)
{
    case "gen-small":
        TreeGenerator.SmallFiles(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        break;
    case "gen-layer":
        TreeGenerator.LayerTree(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
        break;
    case "snapshot":
        await Snapshot(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        break;
    case "write-layer":
        await WriteLayer(args[1], args[2], args.Length > 3 ? args[3] : "gzip");
        break;
    case "extract":
        var watch = Stopwatch.StartNew();
        await using (var layer = File.OpenRead(args[1]))
        {
            await new LayerExtractor(Console.Error.WriteLine).ExtractAsync(layer, args[1], args[2], IgnoreList.Empty, ct);
        }

        Console.WriteLine(Invariant($"extract_s={watch.Elapsed.TotalSeconds:F3}"));
        break;
    default:
        Console.Error.WriteLine("usage: gen-small|gen-layer|snapshot|write-layer|extract ...");
        return 2;
}

return 0;

async Task Snapshot(string root, int repeat, string outputDirectory)
{
    var snapshotter = new Snapshotter(root, IgnoreList.Empty, new SnapshotOptions());
    var watch = Stopwatch.StartNew();
    await snapshotter.InitializeAsync(ct);
    Console.WriteLine(Invariant($"baseline_s={watch.Elapsed.TotalSeconds:F3} paths={snapshotter.BaselineCount}"));
    var unchanged = new List<double>();
    var unchangedCpu = new List<double>();
    for (var i = 0; i < repeat; i++)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        watch.Restart();
        var layer = await snapshotter.TakeSnapshotAsync(outputDirectory, ct);
        unchanged.Add(watch.Elapsed.TotalSeconds);
        unchangedCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        if (layer is not null)
        {
            throw new InvalidOperationException("unchanged tree gave a layer");
        }
    }

    var changed = new List<double>();
    var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Take(repeat).ToList();
    foreach (var file in files)
    {
        File.AppendAllText(file, "x");
        watch.Restart();
        var layer = await snapshotter.TakeSnapshotAsync(outputDirectory, ct) ?? throw new InvalidOperationException("change not seen");
        changed.Add(watch.Elapsed.TotalSeconds);
        File.Delete(layer.Path);
    }

    Console.WriteLine(Invariant($"unchanged_median_s={Median(unchanged):F3} unchanged_cpu_median_s={Median(unchangedCpu):F3} one_change_median_s={Median(changed):F3} managed_heap_mb={GC.GetTotalMemory(false) >> 20}"));
}

async Task WriteLayer(string root, string outputDirectory, string compression)
{
    var options = new SnapshotOptions(compression switch
    {
        "zstd" => LayerCompression.Zstd,
        "none" => LayerCompression.None,
        _ => LayerCompression.Gzip,
    });
    var snapshotter = new Snapshotter(root, IgnoreList.Empty, options);
    await snapshotter.InitializeAsync(ct);
    var watch = Stopwatch.StartNew();
    var layer = await snapshotter.TakeSnapshotOfPathsAsync(["/"], outputDirectory, ct) ?? throw new InvalidOperationException("empty");
    Console.WriteLine(Invariant($"write_layer_s={watch.Elapsed.TotalSeconds:F3} size={layer.Descriptor.Size} path={layer.Path}"));
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
