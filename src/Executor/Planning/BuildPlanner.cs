using System.Globalization;
using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Planning;

/// <summary>
/// Splits a Dockerfile into stages, resolves global ARGs for FROM, links stages that build on or
/// copy from each other, rejects cycles and unknown stage indexes, and marks what the target needs.
/// </summary>
public static class BuildPlanner
{
    public static BuildPlan Plan(string dockerfileText, string dockerfilePath, IReadOnlyDictionary<string, string> buildArgs, string? target) =>
        Plan(dockerfileText, dockerfilePath, buildArgs, target, new PlanOptions());

    public static BuildPlan Plan(
        string dockerfileText,
        string dockerfilePath,
        IReadOnlyDictionary<string, string> buildArgs,
        string? target,
        PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(dockerfileText);
        ArgumentNullException.ThrowIfNull(buildArgs);
        ArgumentNullException.ThrowIfNull(options);
        var file = string.IsNullOrEmpty(dockerfilePath) ? "Dockerfile" : dockerfilePath;
        var document = DockerfileReader.Read(dockerfileText, file);
        var platforms = new BuildPlatforms(
            options.TargetPlatform ?? Platform.Host,
            options.BuildPlatform ?? Platform.Host);

        var (metaArgs, stageDrafts) = SplitStages(document, file);
        var globalScope = new Dictionary<string, string>(PredefinedArgs.PlatformValues(platforms), StringComparer.Ordinal);
        var globalArgs = ResolveGlobalArgs(metaArgs, buildArgs, globalScope, document.EscapeChar);
        var declaredArgs = new HashSet<string>(metaArgs.SelectMany(arg => arg.Arguments).Select(arg => arg.Name), StringComparer.Ordinal);

        var reasons = new Dictionary<(int Stage, int Dependency), Instruction>();
        var stages = ResolveStages(stageDrafts, globalScope, globalArgs, buildArgs, document.EscapeChar, reasons);
        StageGraph.RejectCycles(stages, reasons);
        var targetIndex = FindTarget(stages, target, file);
        var needed = StageGraph.Reachable(stages, targetIndex);

        var finalStages = stages.Select(stage => stage with { IsNeeded = needed.Contains(stage.Index) }).ToArray();
        foreach (var stage in finalStages.Where(stage => stage.IsNeeded))
        {
            foreach (var arg in stage.Instructions.OfType<ArgInstruction>())
            {
                declaredArgs.UnionWith(arg.Arguments.Select(declaration => declaration.Name));
            }
        }

        var unused = buildArgs.Keys
            .Where(name => !declaredArgs.Contains(name) && !PredefinedArgs.IsPredefined(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

        return new BuildPlan(document.EscapeChar, finalStages, globalArgs, unused)
        {
            TargetStageIndex = targetIndex,
            Platforms = platforms,
            BuildArgs = new Dictionary<string, string>(buildArgs, StringComparer.Ordinal),
            Warnings = document.Syntax.Warnings,
        };
    }

    private sealed record StageDraft(FromInstruction From, List<Instruction> Instructions);

    private static (List<ArgInstruction> MetaArgs, List<StageDraft> Stages) SplitStages(DockerfileDocument document, string file)
    {
        var metaArgs = new List<ArgInstruction>();
        var stages = new List<StageDraft>();
        foreach (var instruction in document.Instructions)
        {
            if (instruction is FromInstruction from)
            {
                stages.Add(new StageDraft(from, []));
                continue;
            }

            if (stages.Count > 0)
            {
                stages[^1].Instructions.Add(instruction);
                continue;
            }

            if (instruction is ArgInstruction arg)
            {
                metaArgs.Add(arg);
                continue;
            }

            throw new DockerfileException(
                "no build stage in current context",
                instruction.Location,
                instruction.Text,
                "only ARG may come before the first FROM");
        }

        if (stages.Count == 0)
        {
            var last = document.Instructions[^1].Location;
            throw new DockerfileException(
                "dockerfile contains no stages to build",
                new SourceLocation(file, last.EndLine, last.EndLine),
                hint: "add a FROM instruction");
        }

        return (metaArgs, stages);
    }

    /// <summary>
    /// ARGs before the first FROM, in order: a --build-arg wins over the default, defaults may use
    /// earlier global ARGs, and an ARG without either stays unset.
    /// </summary>
    private static Dictionary<string, string> ResolveGlobalArgs(
        List<ArgInstruction> metaArgs,
        IReadOnlyDictionary<string, string> buildArgs,
        Dictionary<string, string> globalScope,
        char escapeChar)
    {
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in metaArgs)
        {
            foreach (var declaration in instruction.Arguments)
            {
                string? value;
                if (buildArgs.TryGetValue(declaration.Name, out var given))
                {
                    value = given;
                }
                else if (declaration.DefaultValue is not null)
                {
                    var expander = new ShellWordExpander(escapeChar, globalScope);
                    var defaultValue = declaration.DefaultValue;
                    value = Expand(instruction, () => expander.ExpandWord(defaultValue));
                }
                else
                {
                    value = PredefinedArgs.IsPlatformArg(declaration.Name) ? globalScope[declaration.Name] : null;
                }

                if (value is not null)
                {
                    globalScope[declaration.Name] = value;
                    globalArgs[declaration.Name] = value;
                }
            }
        }

        return globalArgs;
    }

    private static List<Stage> ResolveStages(
        List<StageDraft> drafts,
        Dictionary<string, string> globalScope,
        Dictionary<string, string> globalArgs,
        IReadOnlyDictionary<string, string> buildArgs,
        char escapeChar,
        Dictionary<(int Stage, int Dependency), Instruction> reasons)
    {
        var globalExpander = new ShellWordExpander(escapeChar, globalScope);
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var heads = new List<(FromInstruction From, string Image, string? Platform, int? BaseIndex)>();

        for (var index = 0; index < drafts.Count; index++)
        {
            var from = drafts[index].From;
            var image = Expand(from, () => globalExpander.ExpandWord(from.Image));
            if (image.Length == 0)
            {
                throw new DockerfileException(
                    $"base name ({from.Image}) should not be blank",
                    from.Location,
                    from.Text,
                    "declare the ARG before the first FROM or pass it with --build-arg");
            }

            var platform = from.Platform is null ? null : Expand(from, () => globalExpander.ExpandWord(from.Platform));
            if (!string.IsNullOrEmpty(platform) && !Platform.TryParse(platform, out _))
            {
                throw new DockerfileException(
                    $"failed to parse platform {platform}",
                    from.Location,
                    from.Text,
                    "use os/arch[/variant], e.g. linux/arm64");
            }

            int? baseIndex = byName.TryGetValue(image, out var earlier) ? earlier : null;

            if (from.StageName is { } name)
            {
                if (!byName.TryAdd(name, index))
                {
                    throw new DockerfileException($"duplicate stage name \"{name}\"", from.Location, from.Text, "stage names must be unique (case-insensitive)");
                }
            }

            heads.Add((from, image, platform, baseIndex));
        }

        var stages = new List<Stage>(drafts.Count);
        for (var index = 0; index < drafts.Count; index++)
        {
            var (from, image, platform, baseIndex) = heads[index];
            var dependsOn = new SortedSet<int>();
            if (baseIndex is int baseStage)
            {
                dependsOn.Add(baseStage);
                reasons[(index, baseStage)] = from;
            }

            var scope = new StageScope(globalScope, globalArgs, buildArgs, escapeChar);
            foreach (var instruction in drafts[index].Instructions)
            {
                scope.Track(instruction);
                foreach (var reference in StageReferences(instruction))
                {
                    var expanded = Expand(instruction, () => scope.Expand(reference));
                    if (ResolveStageReference(expanded, byName, drafts.Count, instruction) is int dependency)
                    {
                        dependsOn.Add(dependency);
                        reasons.TryAdd((index, dependency), instruction);
                    }
                }
            }

            stages.Add(new Stage(index, from.StageName, image, baseIndex, platform, from, drafts[index].Instructions, dependsOn, IsNeeded: true));
        }

        return stages;
    }

    /// <summary>The stage a COPY --from / RUN --mount from= names; null for an image.</summary>
    private static int? ResolveStageReference(string reference, Dictionary<string, int> byName, int stageCount, Instruction instruction)
    {
        if (int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            if (index >= stageCount)
            {
                throw new DockerfileException(
                    $"invalid stage index {index}",
                    instruction.Location,
                    instruction.Text,
                    $"stages are numbered 0 to {stageCount - 1}");
            }

            return index;
        }

        if (reference.All(char.IsAsciiDigit) && reference.Length > 0)
        {
            throw new DockerfileException($"invalid stage index {reference}", instruction.Location, instruction.Text);
        }

        return byName.TryGetValue(reference, out var named) ? named : null;
    }

    private static IEnumerable<string> StageReferences(Instruction instruction)
    {
        switch (instruction)
        {
            case CopyInstruction { From: { } from }:
                yield return from;
                break;
            case RunInstruction run:
                foreach (var mount in run.Mounts)
                {
                    if (MountOptions.FromOf(mount) is { } source)
                    {
                        yield return source;
                    }
                }

                break;
        }
    }

    private static int FindTarget(List<Stage> stages, string? target, string file)
    {
        if (string.IsNullOrEmpty(target))
        {
            return stages.Count - 1;
        }

        var match = stages.FirstOrDefault(stage => string.Equals(stage.Name, target, StringComparison.OrdinalIgnoreCase));
        if (match is not null)
        {
            return match.Index;
        }

        var known = stages.Where(stage => stage.Name is not null).Select(stage => stage.Name!).ToArray();
        var suggestion = KeywordSuggester.Closest(target, known);
        throw new DockerfileException(
            $"failed to reach build target {target} in Dockerfile",
            new SourceLocation(file, stages[^1].From.Location.StartLine, stages[^1].From.Location.StartLine),
            hint: suggestion is not null
                ? $"did you mean {suggestion}?"
                : known.Length == 0 ? "no stage is named (use FROM <image> AS <name>)" : $"named stages: {string.Join(", ", known)}");
    }

    private static T Expand<T>(Instruction instruction, Func<T> expand)
    {
        try
        {
            return expand();
        }
        catch (DockerfileException ex)
        {
            throw ex.At(instruction.Location, instruction.Text);
        }
    }

    /// <summary>Follows ARG and ENV in a stage far enough to expand stage references.</summary>
    private sealed class StageScope
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _globalScope;
        private readonly Dictionary<string, string> _globalArgs;
        private readonly IReadOnlyDictionary<string, string> _buildArgs;
        private readonly char _escapeChar;

        public StageScope(Dictionary<string, string> globalScope, Dictionary<string, string> globalArgs, IReadOnlyDictionary<string, string> buildArgs, char escapeChar)
        {
            _globalScope = globalScope;
            _globalArgs = globalArgs;
            _buildArgs = buildArgs;
            _escapeChar = escapeChar;
        }

        public string Expand(string word) => word.Contains('$') ? new ShellWordExpander(_escapeChar, _values).ExpandWord(word) : word;

        public void Track(Instruction instruction)
        {
            switch (instruction)
            {
                case ArgInstruction arg:
                    foreach (var declaration in arg.Arguments)
                    {
                        string? value = null;
                        if (_buildArgs.TryGetValue(declaration.Name, out var given))
                        {
                            value = given;
                        }
                        else if (declaration.DefaultValue is { } defaultValue)
                        {
                            value = Expand(defaultValue);
                        }
                        else if (_globalArgs.TryGetValue(declaration.Name, out var global))
                        {
                            value = global;
                        }
                        else if (PredefinedArgs.IsPlatformArg(declaration.Name))
                        {
                            value = _globalScope[declaration.Name];
                        }

                        if (value is not null)
                        {
                            _values[declaration.Name] = value;
                        }
                    }

                    break;
                case EnvInstruction env:
                    foreach (var (name, value) in env.Variables)
                    {
                        _values[Expand(name)] = Expand(value);
                    }

                    break;
            }
        }
    }
}
