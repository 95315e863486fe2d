using System.Globalization;
using System.Text.RegularExpressions;
using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// A heredoc opener such as <c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c> or <c>3&lt;&lt;"EOF"</c>.
/// Quoting any part of the name turns off expansion of the body.
/// </summary>
public sealed partial record HeredocMarker(string Name, int FileDescriptor, bool Expand, bool Chomp)
{
    private static readonly VariableLookup _noVariables = NoVariables;

    /// <summary>The marker a single word stands for, or null when it is not one.</summary>
    public static HeredocMarker? FromWord(string word)
    {
        if (!word.Contains("<<", StringComparison.Ordinal))
        {
            return null;
        }

        var match = MarkerPattern().Match(word);
        if (!match.Success)
        {
            return null;
        }

        var rest = match.Groups[3].Value;
        if (rest.Length == 0)
        {
            return null;
        }

        _ = int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var descriptor);
        var chomp = match.Groups[2].Value == "-";

        // Lex the name with and without quote removal: a difference means part of it was quoted.
        var words = new ShellLexer('\\') { SkipUnsetEnv = true }.ProcessWords(rest, _noVariables);
        if (words.Count != 1)
        {
            return null;
        }

        var rawWords = new ShellLexer('\\') { SkipUnsetEnv = true, RawQuotes = true }.ProcessWords(rest, _noVariables);
        if (rawWords.Count != words.Count)
        {
            throw new DockerfileException($"internal lexing of heredoc produced inconsistent results: {rest}");
        }

        var expand = CountQuotes(words[0]) == CountQuotes(rawWords[0]);
        return new HeredocMarker(words[0], descriptor, expand, chomp);
    }

    /// <summary>Like <see cref="FromWord"/>, but a malformed marker (e.g. an unclosed quote) is simply not a marker.</summary>
    public static HeredocMarker? TryFromWord(string word)
    {
        try
        {
            return FromWord(word);
        }
        catch (DockerfileException)
        {
            return null;
        }
    }

    /// <summary>Every heredoc opened on an instruction line, in order.</summary>
    public static IReadOnlyList<HeredocMarker> FindAll(string line)
    {
        IReadOnlyList<string> words;
        try
        {
            words = new ShellLexer('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true }
                .ProcessWords(line, _noVariables);
        }
        catch (DockerfileException)
        {
            // An unlexable line simply has no heredocs; the instruction itself reports problems.
            return [];
        }

        var markers = new List<HeredocMarker>();
        foreach (var word in words)
        {
            if (FromWord(word) is { } marker)
            {
                markers.Add(marker);
            }
        }

        return markers;
    }

    private static int CountQuotes(string word) => word.Count(c => c is '\'' or '"');

    private static bool NoVariables(string name, out string value)
    {
        value = "";
        return false;
    }

    [GeneratedRegex(@"^([0-9]*)<<(-?)([^<]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerPattern();
}
