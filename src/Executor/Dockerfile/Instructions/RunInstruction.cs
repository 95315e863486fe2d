using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>
/// RUN. The command is not expanded here (the shell does it); <c>--mount</c> values are.
/// Heredocs listed are bodies fed to the command (shell form only).
/// </summary>
public sealed record RunInstruction(
    SourceLocation Location,
    string Text,
    CommandLine Command,
    IReadOnlyList<string> Mounts,
    string? Network,
    string? Security,
    IReadOnlyList<Heredoc> Heredocs)
    : Instruction(Location, Text)
{
    public override Instruction Expand(IWordExpander expander) =>
        Mounts.Count == 0 ? this : this with { Mounts = ExpandEach(Mounts, expander) };

    /// <summary>The --mount values as typed mounts (call on the expanded instruction); errors name this line.</summary>
    public IReadOnlyList<RunMount> ParseMounts()
    {
        try
        {
            return Mounts.Select(RunMount.Parse).ToArray();
        }
        catch (DockerfileException ex)
        {
            throw ex.At(Location, Text);
        }
    }
}
