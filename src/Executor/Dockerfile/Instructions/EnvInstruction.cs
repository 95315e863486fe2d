using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>ENV. Until expanded, values are as written (quotes and escapes included).</summary>
public sealed record EnvInstruction(SourceLocation Location, string Text, IReadOnlyList<KeyValuePair<string, string>> Variables)
    : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => this with { Variables = ExpandPairs(Variables, expander) };
}
