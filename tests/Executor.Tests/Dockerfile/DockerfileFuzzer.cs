using System.Text;
using Kaniko.Executor.Context;
using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Dockerfile.Parsing;
using Kaniko.Executor.Planning;

namespace Kaniko.Executor.Tests.Dockerfile;

/// <summary>
/// Generates random and mutated Dockerfiles and runs them through the whole front end
/// (parse, type, plan, expand, print, .dockerignore). The only acceptable failure is a
/// <see cref="DockerfileException"/>. Used by the default test suite and by bench/parser.
/// </summary>
public sealed class DockerfileFuzzer
{
    private static readonly string[] _keywords =
    [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "from", "Run",
    ];

    private static readonly string[] _fragments =
    [
        " ", "  ", "\t", "\\", "`", "\\\n", "`\n", "\n", "\r\n", "\r", "#", "# escape=`\n", "# syntax=x\n", "# check=skip\n",
        "\"", "'", "[", "]", "[\"a\", \"b\"]", "[]", "[1]", "{", "}", "$", "${", "${A", "${A}", "$A", "${A:-x}", "${A:+y}",
        "${A?err}", "${A:?}", "${A#*/}", "${A##*/}", "${A%.*}", "${A%%.*}", "${A/a/b}", "${A//a/$0}", "${A/[/x}", "${A#\\}",
        "--from=", "--from=0", "--from=a", "--from=9", "--chown=1:1", "--chmod=755", "--link", "--link=maybe", "--parents",
        "--exclude=*.md", "--checksum=sha256:0", "--keep-git-dir", "--mount=type=bind,from=a", "--mount=from=1", "--mount=type=secret", "--mount=\"type=cache,target=/a,b\"",
        "--mount=type=tmpfs,target=/t,size=1x", "--mount=type=cache,target=/c,mode=0999,sharing=x",
        "--network=none", "--security=insecure", "--platform=$BUILDPLATFORM", "--interval=5s", "--timeout=1ns",
        "--start-period=-1s", "--retries=99999999999", "--", "<<EOF", "<<-EOF", "<<'EOF'", "<<\"E\"OF", "3<<X", "EOF\n",
        "\tEOF\n", "AS", "as", "a", "b", "stage", "alpine", "scratch", "NONE", "CMD", "=", "a=b", "=b", "a=", "\u00e9", "한국어",
        "\U0001F600", "\0", "\u0085", "\u00a0", "\u2028", "\ud800", "**", "*", "?", "!", "/", "./", "..", "0", "-1",
        "!a[/]b\n", "!**/keep\n", "[^a-]\n", "[]x]\n", "a/**/b\n", "\\[\n", "!\n", "#c\n",
    ];

    private static readonly string[] _seeds =
    [
        "FROM alpine AS build\nARG V=1\nRUN --mount=type=cache,target=/c make \\\n  all\nFROM scratch\nCOPY --from=build /a /b\n",
        "ARG BASE=alpine\nFROM ${BASE}\nENV A=1 B=\"two words\"\nLABEL x=y\nEXPOSE 80/tcp $PORT\nVOLUME [\"/data\"]\n",
        "# escape=`\nFROM img\nRUN echo `\n  hi\nHEALTHCHECK --interval=5s CMD [\"check\"]\nONBUILD RUN x\n",
        "FROM a\nRUN <<EOF\necho $X\nEOF\nCOPY <<file.txt /dst\ncontent\nfile.txt\nSHELL [\"/bin/sh\", \"-c\"]\n",
        "FROM a AS one\nFROM one AS two\nCOPY --from=two /x /y\nUSER u:g\nWORKDIR /w\nSTOPSIGNAL TERM\nCMD [\"x\"]\n",
    ];

    private static readonly Dictionary<string, string> _environment = new()
    {
        ["A"] = "a/b/c.tar.gz",
        ["PORT"] = "8080 9090",
        ["EMPTY"] = "",
    };

    private readonly Random _random;
    private readonly IReadOnlyList<string> _corpus;

    public DockerfileFuzzer(int seed, IEnumerable<string>? extraCorpus = null)
    {
        _random = new Random(seed);
        _corpus = [.. _seeds, .. extraCorpus ?? []];
    }

    /// <summary>Runs <paramref name="count"/> inputs; returns a description of the first unexpected exception, or null.</summary>
    public string? Run(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var input = i % 2 == 0 ? Generate() : Mutate(_corpus[_random.Next(_corpus.Count)]);
            if (Check(input) is { } failure)
            {
                return $"input #{i} {Quote(input)}: {failure}";
            }
        }

        return null;
    }

    /// <summary>The inputs <see cref="Run"/> would try, for looking at what the fuzzer produces.</summary>
    public static IEnumerable<string> Sample(int count, int seed, IEnumerable<string>? extraCorpus = null)
    {
        var fuzzer = new DockerfileFuzzer(seed, extraCorpus);
        for (var i = 0; i < count; i++)
        {
            yield return i % 2 == 0 ? fuzzer.Generate() : fuzzer.Mutate(fuzzer._corpus[fuzzer._random.Next(fuzzer._corpus.Count)]);
        }
    }

    /// <summary>Runs one input through the front end; returns the unexpected exception, or null.</summary>
    public static string? Check(string input)
    {
        try
        {
            Exercise(input);
            return null;
        }
        catch (DockerfileException)
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex.ToString();
        }
    }

    private static void Exercise(string input)
    {
        // Type and expand every line that parses, even when the file as a whole is rejected later.
        Swallow(() =>
        {
            var parsed = DockerfileParser.Parse(input, "Dockerfile");
            AstPrinter.Print(parsed);
            var expander = new ShellWordExpander(parsed.EscapeChar, _environment);
            foreach (var node in parsed.Nodes)
            {
                Swallow(() =>
                {
                    if (InstructionFactory.Create(node, "Dockerfile").Expand(expander) is RunInstruction run)
                    {
                        run.ParseMounts();
                    }
                });
            }
        });
        Swallow(() => new ShellWordExpander('\\', _environment).ExpandWords(input));
        Swallow(() => new ShellWordExpander('`', _environment).ExpandWord(input));
        Swallow(() => new ShellWordExpander('\\', _environment).ExpandHeredocContent(input));
        Swallow(() =>
        {
            // The input's own lines double as paths, so patterns meet paths shaped like them.
            var matcher = DockerIgnoreMatcher.Parse(input);
            var paths = input.Split('\n').Take(8).Select(line => line.Trim('!', ' ')).Concat(["a", "a/b", "a/b/c", "node_modules/x"]);
            foreach (var path in paths)
            {
                matcher.IsExcluded(path);
                matcher.CanSkipDirectory(path);
                matcher.MayContainIncludedPaths(path);
            }
        });

        var buildArgs = new Dictionary<string, string> { ["A"] = "x", ["BASE"] = "" };
        var plan = BuildPlanner.Plan(input, "Dockerfile", buildArgs, null);
        PlanPrinter.Print(plan);
        var expander = new ShellWordExpander(plan.EscapeChar, _environment);
        foreach (var stage in plan.Stages)
        {
            foreach (var instruction in stage.Instructions)
            {
                Swallow(() => instruction.Expand(expander));
            }
        }
    }

    // Runs one part so that a DockerfileException there does not hide the parts after it.
    private static void Swallow(Action action)
    {
        try
        {
            action();
        }
        catch (DockerfileException)
        {
        }
    }

    private static void Swallow<T>(Func<T> action) => Swallow(() => { _ = action(); });

    private static readonly string[] _words =
    [
        "alpine", "a", "b", "/dst/", "./src", "*.txt", "$A", "${A}", "${A:-x}", "\"quoted words\"", "'single'",
        "a=b", "k=\"v w\"", "80/tcp", "[\"a\", \"b\"]", "[\"sh\", \"-c\", \"echo $A\"]", "NONE", "CMD", "echo",
        "&&", "stage", "0", "1", "https://example.com/x.tgz", "<<EOF", "<<-EOF", "<<'EOF'", "$TARGETARCH",
    ];

    private static readonly string[] _flags =
    [
        "--from=stage", "--from=0", "--from=$A", "--chown=1:1", "--chmod=755", "--link", "--parents", "--exclude=*.md",
        "--checksum=sha256:0", "--keep-git-dir", "--mount=type=cache,target=/c", "--mount=from=stage,target=/s",
        "--network=none", "--security=sandbox", "--platform=linux/arm64", "--interval=5s", "--retries=3",
    ];

    // Mostly well-formed Dockerfiles with some noise, so that planning and expansion are reached too.
    private string Generate()
    {
        var builder = new StringBuilder();
        if (_random.Next(4) == 0)
        {
            builder.Append(Pick(["# escape=`\n", "# syntax=docker/dockerfile:1\n", "# check=error=true\n", "ARG A=1\n"]));
        }

        if (_random.Next(10) != 0)
        {
            builder.Append("FROM ").Append(Pick(["alpine", "$A", "scratch", "busybox AS stage", "alpine AS Other"])).Append('\n');
        }

        var lines = _random.Next(1, 10);
        for (var line = 0; line < lines; line++)
        {
            var keyword = _random.Next(30) switch
            {
                0 => Pick(_fragments),
                1 => "COPPY",
                _ => Pick(_keywords),
            };
            var lineStart = builder.Length;
            builder.Append(keyword).Append(' ');
            while (_random.Next(8) == 0)
            {
                builder.Append(Pick(_flags)).Append(' ');
            }

            var words = _random.Next(0, 5);
            for (var word = 0; word < words; word++)
            {
                builder.Append(_random.Next(6) == 0 ? Pick(_fragments) : Pick(_words));
                builder.Append(_random.Next(8) == 0 ? "\\\n  " : " ");
            }

            builder.Append(_random.Next(10) == 0 ? "\r\n" : "\n");
            var opensHeredoc = builder.ToString(lineStart, builder.Length - lineStart).Contains("<<", StringComparison.Ordinal);
            if (opensHeredoc && (_random.Next(10) != 0 || keyword is "RUN" or "COPY" or "ADD" or "Run"))
            {
                builder.Append("body $A\n\tEOF\nEOF\n");
            }
        }

        return builder.ToString();
    }

    private string Mutate(string source)
    {
        var text = new StringBuilder(source);
        var mutations = _random.Next(1, 6);
        for (var i = 0; i < mutations; i++)
        {
            var position = text.Length == 0 ? 0 : _random.Next(text.Length + 1);
            switch (_random.Next(5))
            {
                case 0:
                    text.Insert(position, Pick(_fragments));
                    break;
                case 1 when text.Length > 0:
                    text.Remove(Math.Min(position, text.Length - 1), Math.Min(_random.Next(1, 8), text.Length - Math.Min(position, text.Length - 1)));
                    break;
                case 2 when text.Length > 0:
                    text[Math.Min(position, text.Length - 1)] = (char)_random.Next(0, 0x3000);
                    break;
                case 3:
                    text.Insert(position, Pick(_keywords) + " ");
                    break;
                default:
                    text.Length = Math.Min(text.Length, position);
                    break;
            }
        }

        return text.ToString();
    }

    private string Pick(string[] items) => items[_random.Next(items.Length)];

    private static string Quote(string input) => AstPrinter.GoQuote(input.Length > 400 ? input[..400] : input);
}
