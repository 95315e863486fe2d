using Kaniko.Executor.Dockerfile.Instructions;

namespace Kaniko.Executor.Planning;

/// <summary>
/// What a Dockerfile asks to build: its stages in order, the global ARGs (after --build-arg
/// overrides) and the build args nothing declared.
/// </summary>
public sealed record BuildPlan(
    char EscapeChar,
    IReadOnlyList<Stage> Stages,
    IReadOnlyDictionary<string, string> GlobalArgs,
    IReadOnlyList<string> UnusedBuildArgs)
{
    /// <summary>The stage the build produces (the last one unless a target was named).</summary>
    public int TargetStageIndex { get; init; } = -1;

    public Stage TargetStage => Stages[TargetStageIndex];

    /// <summary>The platforms the predefined TARGET*/BUILD* args describe.</summary>
    public BuildPlatforms Platforms { get; init; } = BuildPlatforms.Host;

    /// <summary>The build args as given on the command line (needed to resolve ARGs inside stages).</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Non-fatal findings of the parser (e.g. empty continuation lines).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The value an ARG declared inside a stage takes, following BuildKit: a --build-arg wins, then
    /// the declaration's default (already expanded by the caller), then the global ARG of that name,
    /// then the automatic value of a platform ARG. Null means the ARG stays unset.
    /// </summary>
    public string? ResolveStageArg(string name, string? expandedDefault)
    {
        if (BuildArgs.TryGetValue(name, out var given))
        {
            return given;
        }

        if (expandedDefault is not null)
        {
            return expandedDefault;
        }

        if (GlobalArgs.TryGetValue(name, out var global))
        {
            return global;
        }

        return PredefinedArgs.IsPlatformArg(name) ? PredefinedArgs.DefaultValue(name, BuildArgs, Platforms) : null;
    }

    /// <summary>
    /// The stages the target needs, in an order to build them: each after the stages it builds on
    /// or copies from (which may come later in the Dockerfile), otherwise in Dockerfile order.
    /// </summary>
    public IReadOnlyList<Stage> NeededStages => StageGraph.BuildOrder(Stages, Stages.Where(stage => stage.IsNeeded).Select(stage => stage.Index));
}

/// <summary>
/// One FROM and the instructions after it. <see cref="Name"/> is lower case.
/// <see cref="BaseImage"/> is the FROM image with global ARGs expanded; when it names an earlier
/// stage, <see cref="BaseStageIndex"/> says which.
/// </summary>
public sealed record Stage(
    int Index,
    string? Name,
    string BaseImage,
    int? BaseStageIndex,
    string? Platform,
    FromInstruction From,
    IReadOnlyList<Instruction> Instructions,
    IReadOnlySet<int> DependsOn,
    bool IsNeeded)
{
    /// <summary>True for <c>FROM scratch</c>: the stage starts from an empty filesystem.</summary>
    public bool IsScratch => BaseStageIndex is null && string.Equals(BaseImage, "scratch", StringComparison.OrdinalIgnoreCase);

    /// <summary>How the stage is referred to in messages: its name, else its index.</summary>
    public string DisplayName => Name ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
