using System.Globalization;
using System.Text.RegularExpressions;
using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>Gives a parsed node its meaning: checks flags and arity and builds the typed instruction.</summary>
public static partial class InstructionFactory
{
    public static readonly IReadOnlyList<string> Keywords =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    // Health checks more frequent than this are refused by the runtime anyway.
    private static readonly TimeSpan _minimumHealthcheckDuration = TimeSpan.FromMilliseconds(1);

    /// <summary>Builds the instruction for a node; throws <see cref="DockerfileException"/> located at it.</summary>
    public static Instruction Create(SyntaxNode node, string file)
    {
        var location = new SourceLocation(file, node.StartLine, node.EndLine);
        try
        {
            return CreateCore(node, location);
        }
        catch (DockerfileException ex)
        {
            throw ex.At(location, node.Original);
        }
    }

    private static Instruction CreateCore(SyntaxNode node, SourceLocation location)
    {
        var keyword = node.Keyword.ToUpperInvariant();
        return keyword switch
        {
            "FROM" => CreateFrom(node, location),
            "RUN" => CreateRun(node, location),
            "CMD" => new CmdInstruction(location, node.Original, CommandOf(WithoutFlags(node, keyword))),
            "ENTRYPOINT" => new EntrypointInstruction(location, node.Original, CommandOf(WithoutFlags(node, keyword))),
            "COPY" => CreateCopy(node, location, isAdd: false),
            "ADD" => CreateCopy(node, location, isAdd: true),
            "ENV" => new EnvInstruction(location, node.Original, PairsOf(node, NoFlags(node, keyword))),
            "LABEL" => new LabelInstruction(location, node.Original, PairsOf(node, NoFlags(node, keyword))),
            "ARG" => CreateArg(node, location),
            "WORKDIR" => new WorkdirInstruction(location, node.Original, ExactlyOne(node, NoFlags(node, keyword))),
            "USER" => new UserInstruction(location, node.Original, ExactlyOne(node, NoFlags(node, keyword))),
            "STOPSIGNAL" => new StopSignalInstruction(location, node.Original, ExactlyOne(node, NoFlags(node, keyword))),
            "MAINTAINER" => new MaintainerInstruction(location, node.Original, ExactlyOne(node, NoFlags(node, keyword))),
            "EXPOSE" => new ExposeInstruction(location, node.Original, AtLeastOne(node, NoFlags(node, keyword))),
            "VOLUME" => CreateVolume(node, location),
            "SHELL" => CreateShell(node, location),
            "ONBUILD" => CreateOnbuild(node, location),
            "HEALTHCHECK" => CreateHealthcheck(node, location),
            _ => throw UnknownInstruction(node.Keyword),
        };
    }

    private static DockerfileException UnknownInstruction(string keyword)
    {
        var suggestion = KeywordSuggester.Closest(keyword, Keywords);
        return new DockerfileException(
            $"unknown instruction: {keyword}",
            hint: suggestion is null ? null : $"did you mean {suggestion}?");
    }

    private static string NoFlags(SyntaxNode node, string keyword)
    {
        new InstructionFlags(keyword).Parse(node.Flags, node);
        return keyword;
    }

    private static SyntaxNode WithoutFlags(SyntaxNode node, string keyword)
    {
        NoFlags(node, keyword);
        return node;
    }

    private static FromInstruction CreateFrom(SyntaxNode node, SourceLocation location)
    {
        var flags = new InstructionFlags("FROM").String("platform");
        flags.Parse(node.Flags, node);
        var args = node.Arguments;
        string? stageName = null;
        if (args.Count == 3 && string.Equals(args[1], "as", StringComparison.OrdinalIgnoreCase))
        {
            stageName = args[2].ToLowerInvariant();
            if (!StageNamePattern().IsMatch(stageName))
            {
                throw new DockerfileException(
                    $"invalid name for build stage: \"{args[2]}\", name can't start with a number or contain symbols",
                    hint: "use letters, digits, '-', '_' and '.', starting with a letter");
            }
        }
        else if (args.Count != 1)
        {
            throw new DockerfileException(
                "FROM requires either one or three arguments",
                hint: args.Count == 3 ? $"did you mean AS instead of {args[1]}?" : "use FROM <image> [AS <name>]");
        }

        return new FromInstruction(location, node.Original, args[0], stageName, flags.GetString("platform"));
    }

    private static RunInstruction CreateRun(SyntaxNode node, SourceLocation location)
    {
        var flags = new InstructionFlags("RUN").List("mount").String("network").String("security");
        flags.Parse(node.Flags, node);
        if (node.Arguments.Count == 0 && node.Heredocs.Count == 0)
        {
            throw new DockerfileException("RUN requires at least one argument");
        }

        var network = flags.GetString("network");
        if (network is not null && network is not ("default" or "none" or "host"))
        {
            throw new DockerfileException($"unsupported network mode \"{network}\"", hint: "use default, none or host");
        }

        var security = flags.GetString("security");
        if (security is not null && security is not ("sandbox" or "insecure"))
        {
            throw new DockerfileException($"unsupported security mode \"{security}\"", hint: "use sandbox or insecure");
        }

        return new RunInstruction(
            location,
            node.Original,
            CommandOf(node),
            flags.GetList("mount"),
            network,
            security,
            node.Heredocs.Select(ToHeredoc).ToArray());
    }

    private static CopyInstruction CreateCopy(SyntaxNode node, SourceLocation location, bool isAdd)
    {
        var keyword = isAdd ? "ADD" : "COPY";
        var flags = new InstructionFlags(keyword).String("chown").String("chmod").Boolean("link").List("exclude");
        if (isAdd)
        {
            flags.String("checksum").Boolean("keep-git-dir");
        }
        else
        {
            flags.String("from").Boolean("parents");
        }

        flags.Parse(node.Flags, node);
        if (node.Arguments.Count < 2)
        {
            throw new DockerfileException(
                $"{keyword} requires at least two arguments, but only {(node.Arguments.Count == 0 ? "none were" : "one was")} provided. Destination could not be determined.",
                hint: $"use {keyword} <source>... <destination>");
        }

        var destination = node.Arguments[^1];
        if (!node.IsJson && HeredocMarker.TryFromWord(destination) is not null)
        {
            throw new DockerfileException($"{keyword} cannot accept a heredoc as a destination");
        }

        Dictionary<string, ParsedHeredoc>? byName = null;
        foreach (var heredoc in node.Heredocs)
        {
            byName ??= new Dictionary<string, ParsedHeredoc>(StringComparer.Ordinal);
            byName.TryAdd(heredoc.Name, heredoc);
        }

        var sources = new List<string>();
        var inline = new List<Heredoc>();
        foreach (var source in node.Arguments.Take(node.Arguments.Count - 1))
        {
            var marker = node.IsJson ? null : HeredocMarker.TryFromWord(source);
            if (marker is null)
            {
                sources.Add(source);
                continue;
            }

            var content = byName is not null && byName.TryGetValue(marker.Name, out var body) ? body.Content : "";
            inline.Add(new Heredoc(marker.Name, content, marker.Expand, marker.Chomp));
        }

        var checksum = flags.GetString("checksum");
        if (checksum is not null && sources.Any(source => !IsRemote(source)))
        {
            throw new DockerfileException("checksum can't be specified for non-HTTP(S) sources", hint: "ADD --checksum only verifies URLs");
        }

        return new CopyInstruction(
            location,
            node.Original,
            sources,
            destination,
            flags.GetString("from"),
            flags.GetString("chown"),
            flags.GetString("chmod"),
            flags.GetBoolean("link"),
            flags.GetBoolean("parents"),
            flags.GetList("exclude"),
            inline,
            isAdd,
            checksum,
            flags.GetBoolean("keep-git-dir"));
    }

    private static bool IsRemote(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ||
        source.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
        source.Contains('$');

    private static ArgInstruction CreateArg(SyntaxNode node, SourceLocation location)
    {
        NoFlags(node, "ARG");
        if (node.Arguments.Count == 0)
        {
            throw new DockerfileException("ARG requires at least one argument", hint: "use ARG <name>[=<default>]");
        }

        var declarations = new List<ArgDeclaration>(node.Arguments.Count);
        foreach (var argument in node.Arguments)
        {
            var equals = argument.IndexOf('=');
            var name = equals < 0 ? argument : argument[..equals];
            if (name.Length == 0)
            {
                throw new DockerfileException("ARG names can not be blank");
            }

            declarations.Add(new ArgDeclaration(name, equals < 0 ? null : argument[(equals + 1)..]));
        }

        return new ArgInstruction(location, node.Original, declarations);
    }

    private static VolumeInstruction CreateVolume(SyntaxNode node, SourceLocation location)
    {
        var paths = AtLeastOne(node, NoFlags(node, "VOLUME")).Select(path => path.Trim()).ToArray();
        if (paths.Any(path => path.Length == 0))
        {
            throw new DockerfileException("VOLUME specified can not be an empty string");
        }

        return new VolumeInstruction(location, node.Original, paths);
    }

    private static ShellInstruction CreateShell(SyntaxNode node, SourceLocation location)
    {
        NoFlags(node, "SHELL");
        if (node.Arguments.Count == 0)
        {
            throw new DockerfileException("SHELL requires at least one argument", hint: "use SHELL [\"/bin/sh\", \"-c\"]");
        }

        if (!node.IsJson)
        {
            throw new DockerfileException("SHELL requires the arguments to be in JSON form", hint: "use SHELL [\"/bin/sh\", \"-c\"]");
        }

        return new ShellInstruction(location, node.Original, node.Arguments);
    }

    private static OnbuildInstruction CreateOnbuild(SyntaxNode node, SourceLocation location)
    {
        NoFlags(node, "ONBUILD");
        if (node.Child is null)
        {
            throw new DockerfileException("ONBUILD requires at least one argument");
        }

        var trigger = node.Child.Keyword.ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD":
                throw new DockerfileException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER" or "FROM":
                throw new DockerfileException($"{trigger} isn't allowed as an ONBUILD trigger");
        }

        // The trigger must itself be a valid instruction.
        CreateCore(node.Child with { Heredocs = node.Heredocs }, location);

        var text = OnbuildPrefix().Replace(node.Original, "");
        foreach (var heredoc in node.Heredocs)
        {
            text += "\n" + heredoc.Content + heredoc.Name;
        }

        return new OnbuildInstruction(location, node.Original, text);
    }

    private static HealthcheckInstruction CreateHealthcheck(SyntaxNode node, SourceLocation location)
    {
        if (node.Arguments.Count == 0)
        {
            throw new DockerfileException("HEALTHCHECK requires at least one argument", hint: "use HEALTHCHECK [options] CMD <command> or HEALTHCHECK NONE");
        }

        var type = node.Arguments[0].ToUpperInvariant();
        var rest = node.Arguments.Skip(1).ToArray();
        if (type == "NONE")
        {
            if (rest.Length != 0)
            {
                throw new DockerfileException("HEALTHCHECK NONE takes no arguments");
            }

            return new HealthcheckInstruction(location, node.Original, ["NONE"], null, null, null, null, null);
        }

        var flags = new InstructionFlags("HEALTHCHECK")
            .String("interval").String("timeout").String("start-period").String("start-interval").String("retries");
        flags.Parse(node.Flags, node);

        if (type != "CMD")
        {
            throw new DockerfileException($"Unknown type \"{type}\" in HEALTHCHECK (try CMD)");
        }

        if (rest.Length == 0)
        {
            throw new DockerfileException("Missing command after HEALTHCHECK CMD");
        }

        IReadOnlyList<string> test = node.IsJson ? ["CMD", .. rest] : ["CMD-SHELL", .. rest];

        int? retries = null;
        if (flags.GetString("retries") is { } retriesText && retriesText.Length > 0)
        {
            if (!int.TryParse(retriesText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new DockerfileException($"invalid value for --retries: \"{retriesText}\"", hint: "use a whole number");
            }

            if (parsed < 0)
            {
                throw new DockerfileException($"--retries cannot be negative ({parsed})");
            }

            retries = parsed;
        }

        return new HealthcheckInstruction(
            location,
            node.Original,
            test,
            Interval(flags, "interval"),
            Interval(flags, "timeout"),
            Interval(flags, "start-period"),
            Interval(flags, "start-interval"),
            retries);
    }

    private static TimeSpan? Interval(InstructionFlags flags, string name)
    {
        var text = flags.GetString(name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var duration))
        {
            throw new DockerfileException($"invalid duration for --{name}: \"{text}\"", hint: "use a duration such as 30s, 1m30s or 500ms");
        }

        if (duration != TimeSpan.Zero && duration < _minimumHealthcheckDuration)
        {
            throw new DockerfileException($"Interval \"{name}\" cannot be less than 1ms");
        }

        return duration;
    }

    private static CommandLine CommandOf(SyntaxNode node) => new(node.Arguments, !node.IsJson);

    private static IReadOnlyList<KeyValuePair<string, string>> PairsOf(SyntaxNode node, string keyword)
    {
        var args = node.Arguments;
        if (args.Count == 0)
        {
            throw new DockerfileException($"{keyword} requires at least one argument", hint: $"use {keyword} <name>=<value>");
        }

        if (args.Count % 3 != 0)
        {
            throw new DockerfileException($"Bad input to {keyword}, too many arguments");
        }

        var pairs = new List<KeyValuePair<string, string>>(args.Count / 3);
        for (var i = 0; i < args.Count; i += 3)
        {
            if (args[i].Length == 0)
            {
                throw new DockerfileException($"{keyword} names can not be blank");
            }

            pairs.Add(new KeyValuePair<string, string>(args[i], args[i + 1]));
        }

        return pairs;
    }

    private static string ExactlyOne(SyntaxNode node, string keyword) =>
        node.Arguments.Count == 1
            ? node.Arguments[0]
            : throw new DockerfileException($"{keyword} requires exactly one argument");

    private static IReadOnlyList<string> AtLeastOne(SyntaxNode node, string keyword) =>
        node.Arguments.Count > 0
            ? node.Arguments
            : throw new DockerfileException($"{keyword} requires at least one argument");

    private static Heredoc ToHeredoc(ParsedHeredoc heredoc) => new(heredoc.Name, heredoc.Content, heredoc.Expand, heredoc.Chomp);

    [GeneratedRegex(@"^[a-z][a-z0-9\-_\.]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex StageNamePattern();

    [GeneratedRegex(@"^\s*ONBUILD\s*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex OnbuildPrefix();
}
