using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>
/// A typed Dockerfile instruction. <see cref="Text"/> is the instruction as written
/// (continuation lines joined), as image history records it.
/// </summary>
public abstract record Instruction(SourceLocation Location, string Text)
{
    /// <summary>
    /// A copy with ARG/ENV references expanded in exactly the fields BuildKit expands;
    /// instructions whose fields are not expanded return themselves.
    /// </summary>
    public abstract Instruction Expand(IWordExpander expander);

    /// <summary>Runs an expansion and places any error at this instruction.</summary>
    protected T Expanding<T>(Func<T> expand)
    {
        try
        {
            return expand();
        }
        catch (DockerfileException ex)
        {
            throw ex.At(Location, Text);
        }
    }

    protected IReadOnlyList<string> ExpandEach(IReadOnlyList<string> words, IWordExpander expander) =>
        Expanding(() => words.Select(expander.ExpandWord).ToArray());

    protected IReadOnlyList<KeyValuePair<string, string>> ExpandPairs(IReadOnlyList<KeyValuePair<string, string>> pairs, IWordExpander expander) =>
        Expanding(() => pairs
            .Select(pair => new KeyValuePair<string, string>(expander.ExpandWord(pair.Key), expander.ExpandWord(pair.Value)))
            .ToArray());
}

/// <summary>A command: JSON (exec) form, or shell form with the command text as the only element.</summary>
public sealed record CommandLine(IReadOnlyList<string> Arguments, bool IsShellForm);

/// <summary>
/// A heredoc body. <see cref="Content"/> is as written (line endings kept); when
/// <see cref="StripLeadingTabs"/> is set (<c>&lt;&lt;-</c>) leading tabs of each line are to be removed,
/// see <see cref="EffectiveContent"/>. <see cref="Expand"/> is false when the name was quoted.
/// </summary>
public sealed record Heredoc(string Name, string Content, bool Expand, bool StripLeadingTabs)
{
    /// <summary>The content with leading tabs removed when the heredoc was opened with <c>&lt;&lt;-</c>.</summary>
    public string EffectiveContent => StripLeadingTabs ? HeredocText.StripLeadingTabs(Content) : Content;
}

internal static class HeredocText
{
    public static string StripLeadingTabs(string content)
    {
        var lines = content.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimStart('\t');
        }

        return string.Join('\n', lines);
    }
}
