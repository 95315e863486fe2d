using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>One ARG name with its default as written, or null when none was given.</summary>
public sealed record ArgDeclaration(string Name, string? DefaultValue);

/// <summary>ARG. Expanding expands the defaults, never the names.</summary>
public sealed record ArgInstruction(SourceLocation Location, string Text, IReadOnlyList<ArgDeclaration> Arguments)
    : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with
    {
        Arguments = Arguments
            .Select(argument => argument.DefaultValue is null ? argument : argument with { DefaultValue = expander.ExpandWord(argument.DefaultValue) })
            .ToArray(),
    });
}
