using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>FROM image [AS name]; <see cref="StageName"/> is lower case, as stage names match case-insensitively.</summary>
public sealed record FromInstruction(SourceLocation Location, string Text, string Image, string? StageName, string? Platform)
    : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with
    {
        Image = expander.ExpandWord(Image),
        Platform = Platform is null ? null : expander.ExpandWord(Platform),
    });
}
