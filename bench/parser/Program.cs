using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kaniko.Executor.Dockerfile.Parsing;
using Kaniko.Executor.Planning;
using Kaniko.Executor.Tests.Dockerfile;

namespace Kaniko.Bench.Parser;

/// <summary>
/// bench generate &lt;megabytes&gt; &lt;file&gt;   writes a realistic multi-stage Dockerfile of that size
/// bench parse &lt;file&gt;                    times parsing it (text to syntax nodes); prints CPU time and peak RSS
/// bench plan &lt;file&gt;                     the same for the whole front end (parse, typed instructions, stage plan)
/// bench shapes                         extreme single-instruction shapes, to spot anything non-linear
/// bench fuzz &lt;count&gt; [seed]             long fuzz run: only DockerfileException may escape
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "generate" when args.Length == 3:
                Generate(double.Parse(args[1], CultureInfo.InvariantCulture), args[2]);
                return 0;
            case "parse" when args.Length == 2:
                return Parse(args[1]);
            case "plan" when args.Length == 2:
                return Plan(args[1]);
            case "shapes":
                return Shapes();
            case "fuzz" when args.Length >= 2:
                return Fuzz(int.Parse(args[1], CultureInfo.InvariantCulture), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1);
            default:
                Console.Error.WriteLine("usage: bench generate <megabytes> <file> | parse <file> | plan <file> | shapes | fuzz <count> [seed]");
                return 2;
        }
    }

    private static void Generate(double megabytes, string path)
    {
        var target = (long)(megabytes * 1024 * 1024);
        var builder = new StringBuilder();
        builder.Append("# syntax=docker/dockerfile:1\nARG BASE=debian:bookworm\nARG VERSION=1.0\n");
        var block = 0;
        while (builder.Length < target)
        {
            builder.Append(CultureInfo.InvariantCulture, $"""

                # stage {block}: build step with the usual mix of instructions
                FROM ${"{"}BASE{"}"} AS stage{block}
                ARG VERSION
                ENV APP_HOME=/opt/app{block} \
                    PATH="/opt/app{block}/bin:$PATH" \
                    LANG=C.UTF-8
                LABEL org.opencontainers.image.version="$VERSION" maintainer="team{block}@example.com"
                WORKDIR $APP_HOME
                RUN --mount=type=cache,target=/var/cache/apt apt-get update \
                    && apt-get install -y --no-install-recommends \
                       ca-certificates curl git make gcc \
                    # comments inside continuations are skipped
                    && rm -rf /var/lib/apt/lists/*
                COPY --chown=app:app --chmod=0644 ["go.mod", "go.sum", "./"]
                COPY --from={(block == 0 ? "busybox:latest" : $"stage{block - 1}")} /opt /opt
                RUN <<EOF
                set -eu
                echo "building {block}" > /tmp/out
                EOF
                EXPOSE 80{block % 100:00}/tcp
                HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-f", "http://localhost/"]
                USER app:app
                CMD ["/opt/app/bin/server", "--port", "80"]

                """);
            block++;
        }

        File.WriteAllText(path, builder.ToString());
        Console.WriteLine($"wrote {path}: {builder.Length / 1024.0 / 1024.0:F1} MB, {block} stages");
    }

    private static int Parse(string path)
    {
        var text = File.ReadAllText(path);
        Warmup(text);

        var measurement = Measure(() => DockerfileParser.Parse(text, "Dockerfile"), out var parsed);
        Console.WriteLine($"parse {text.Length / 1024.0 / 1024.0:F1} MB -> {parsed.Nodes.Count} syntax nodes: {measurement}");
        return 0;
    }

    private static int Plan(string path)
    {
        var text = File.ReadAllText(path);
        Warmup(text);

        var measurement = Measure(() => BuildPlanner.Plan(text, "Dockerfile", new Dictionary<string, string>(), null), out var plan);
        var instructions = plan.Stages.Sum(stage => stage.Instructions.Count + 1);
        Console.WriteLine($"plan  {text.Length / 1024.0 / 1024.0:F1} MB -> {instructions} instructions, {plan.Stages.Count} stages: {measurement}");
        return 0;
    }

    // Runs the whole pipeline once on a small slice so that JIT time is not measured.
    private static void Warmup(string text)
    {
        var slice = text[..Math.Min(text.Length, 100_000)];
        var cut = slice.LastIndexOf("\nFROM", StringComparison.Ordinal);
        BuildPlanner.Plan(cut > 0 ? slice[..cut] : slice, "Dockerfile", new Dictionary<string, string>(), null);
        GC.Collect();
    }

    private static string Measure<T>(Func<T> action, out T result)
    {
        var process = Process.GetCurrentProcess();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        result = action();
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / 1024.0;
        var live = GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;
        GC.KeepAlive(result);
        return $"{clock.Elapsed.TotalMilliseconds:F0} ms wall, {cpu.TotalMilliseconds:F0} ms CPU, {allocated:F0} MB allocated, {live:F0} MB live, peak RSS {PeakMegabytes():F0} MB";
    }

    private static int Shapes()
    {
        (string Name, string Text)[] shapes =
        [
            ("one RUN, 400k continuation lines", "FROM a\nRUN " + Repeat("echo hello world \\\n", 400_000) + "done\n"),
            ("ENV with 300k pairs", "FROM a\nENV " + Repeat("key=\"some value\" ", 300_000) + "\n"),
            ("8 MB heredoc", "FROM a\nRUN <<EOF\n" + Repeat("echo some heredoc line here\n", 300_000) + "EOF\n"),
            ("JSON nested 1M deep", "FROM a\nCMD [" + Repeat("[", 1_000_000) + "\n"),
            ("JSON array of 500k strings", "FROM a\nCMD [" + Repeat("\"abcdefghij\",", 500_000) + "\"x\"]\n"),
            ("RUN with 200k --mount flags", "FROM a\nRUN " + Repeat("--mount=type=tmpfs,target=/t ", 200_000) + "true\n"),
            ("COPY with 300k sources", "FROM a\nCOPY " + Repeat("src/file.txt ", 300_000) + "/dst/\n"),
            ("100k heredocs on one line", "FROM a\nRUN " + Repeat("<<E ", 100_000) + "\n" + Repeat("x\nE\n", 100_000)),
            ("200k chained stages", "FROM alpine AS s0\n" + string.Concat(Enumerable.Range(1, 200_000).Select(i => $"FROM s{i - 1} AS s{i}\n"))),
            ("2 MB unknown keyword", Repeat("X", 2_000_000) + " a\n"),
            ("2 MB quoted global ARG", "ARG A=\"" + Repeat("x ", 1_000_000) + "\"\nFROM a\n"),
        ];

        Warmup("FROM a\nRUN x\n");
        foreach (var (name, text) in shapes)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            string outcome;
            try
            {
                outcome = $"{BuildPlanner.Plan(text, "Dockerfile", new Dictionary<string, string>(), null).Stages.Count} stages";
            }
            catch (Kaniko.Executor.Dockerfile.DockerfileException ex)
            {
                outcome = "rejected: " + ex.Problem[..Math.Min(50, ex.Problem.Length)];
            }

            process.Refresh();
            cpu = process.TotalProcessorTime - cpu;
            Console.WriteLine($"{name,-34} {text.Length / 1024.0 / 1024.0,5:F1} MB {cpu.TotalMilliseconds,7:F0} ms CPU  {outcome}");
        }

        return 0;
    }

    private static string Repeat(string text, int count)
    {
        var builder = new StringBuilder(text.Length * count);
        for (var i = 0; i < count; i++)
        {
            builder.Append(text);
        }

        return builder.ToString();
    }

    private static int Fuzz(int count, int seed)
    {
        var clock = Stopwatch.StartNew();
        var failure = new DockerfileFuzzer(seed).Run(count);
        Console.WriteLine($"fuzz: {count} inputs, seed {seed}, {clock.Elapsed.TotalSeconds:F1} s: {(failure is null ? "only DockerfileException" : "FAILED")}");
        if (failure is not null)
        {
            Console.WriteLine(failure);
            return 1;
        }

        return 0;
    }

    private static double PeakMegabytes()
    {
        // VmHWM is the process's peak resident set size.
        const string StatusFile = "/proc/self/status";
        if (File.Exists(StatusFile))
        {
            var line = File.ReadLines(StatusFile).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kilobytes))
            {
                return kilobytes / 1024.0;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
    }
}
