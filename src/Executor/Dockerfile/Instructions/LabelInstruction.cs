using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>LABEL. Until expanded, names and values are as written.</summary>
public sealed record LabelInstruction(SourceLocation Location, string Text, IReadOnlyList<KeyValuePair<string, string>> Labels)
    : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this with { Labels = ExpandPairs(Labels, expander) };
}
