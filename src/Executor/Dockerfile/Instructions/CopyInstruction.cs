using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>
/// COPY, or ADD when <see cref="IsAdd"/>. <see cref="Sources"/> are the source paths or URLs;
/// heredoc sources are in <see cref="Heredocs"/> instead, named by the file they create.
/// </summary>
public sealed record CopyInstruction(
    SourceLocation Location,
    string Text,
    IReadOnlyList<string> Sources,
    string Destination,
    string? From,
    string? Chown,
    string? Chmod,
    bool Link,
    bool Parents,
    IReadOnlyList<string> Excludes,
    IReadOnlyList<Heredoc> Heredocs,
    bool IsAdd,
    string? Checksum,
    bool KeepGitDir)
    : Instruction(Location, Text)
{
    public string Keyword => IsAdd ? "ADD" : "COPY";

    public override Instruction Expand(IWordExpander expander) => Expanding(() => this with
    {
        Sources = Sources.Select(expander.ExpandWord).ToArray(),
        Destination = expander.ExpandWord(Destination),
        From = From is null ? null : expander.ExpandWord(From),
        Chown = Chown is null ? null : expander.ExpandWord(Chown),
        Chmod = Chmod is null ? null : expander.ExpandWord(Chmod),
        Checksum = Checksum is null ? null : expander.ExpandWord(Checksum),
        Excludes = Excludes.Select(expander.ExpandWord).ToArray(),
        Heredocs = Heredocs
            .Select(heredoc => heredoc.Expand ? heredoc with { Content = expander.ExpandHeredocContent(heredoc.Content) } : heredoc)
            .ToArray(),
    });
}
