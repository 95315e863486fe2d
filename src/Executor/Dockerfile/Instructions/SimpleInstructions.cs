using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>WORKDIR path (expanded).</summary>
public sealed record WorkdirInstruction(SourceLocation Location, string Text, string Path) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with { Path = expander.ExpandWord(Path) });
}

/// <summary>USER user[:group] (expanded).</summary>
public sealed record UserInstruction(SourceLocation Location, string Text, string User) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with { User = expander.ExpandWord(User) });
}

/// <summary>STOPSIGNAL signal (expanded).</summary>
public sealed record StopSignalInstruction(SourceLocation Location, string Text, string Signal) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with { Signal = expander.ExpandWord(Signal) });
}

/// <summary>EXPOSE; each port word may expand to several ports.</summary>
public sealed record ExposeInstruction(SourceLocation Location, string Text, IReadOnlyList<string> Ports) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) =>
        Expanding(() => this with { Ports = Ports.SelectMany(expander.ExpandWords).ToArray() });
}

/// <summary>VOLUME paths (expanded; none may be empty).</summary>
public sealed record VolumeInstruction(SourceLocation Location, string Text, IReadOnlyList<string> Paths) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander)
    {
        var paths = ExpandEach(Paths, expander);
        if (paths.Any(path => path.Trim().Length == 0))
        {
            throw new DockerfileException("VOLUME specified can not be an empty string", Location, Text);
        }

        return this with { Paths = paths };
    }
}

/// <summary>CMD (never expanded).</summary>
public sealed record CmdInstruction(SourceLocation Location, string Text, CommandLine Command) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this;
}

/// <summary>ENTRYPOINT (never expanded).</summary>
public sealed record EntrypointInstruction(SourceLocation Location, string Text, CommandLine Command) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this;
}

/// <summary>SHELL, always in JSON form (never expanded).</summary>
public sealed record ShellInstruction(SourceLocation Location, string Text, IReadOnlyList<string> Shell) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this;
}

/// <summary>ONBUILD; <see cref="Trigger"/> is the instruction to run in images built FROM this one.</summary>
public sealed record OnbuildInstruction(SourceLocation Location, string Text, string Trigger) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this;
}

/// <summary>MAINTAINER (deprecated; never expanded).</summary>
public sealed record MaintainerInstruction(SourceLocation Location, string Text, string Maintainer) : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this;
}

/// <summary>
/// HEALTHCHECK. <see cref="Test"/> is ["NONE"] to disable, ["CMD", args...] for the exec form
/// or ["CMD-SHELL", command] for the shell form, as in the image config. Zero durations mean "inherit".
/// </summary>
public sealed record HealthcheckInstruction(
    SourceLocation Location,
    string Text,
    IReadOnlyList<string>? Test,
    TimeSpan? Interval,
    TimeSpan? Timeout,
    TimeSpan? StartPeriod,
    TimeSpan? StartInterval,
    int? Retries)
    : Instruction(Location, Text)
{
    public bool Disables => Test is null || (Test.Count == 1 && Test[0] == "NONE");

    public override Instruction Expand(IWordExpander expander) => this;
}
