using System.Text;
using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// Splits one logical line into keyword, flags and arguments, using the argument rules
/// BuildKit applies per instruction (JSON or shell form, name/value pairs, whitespace lists).
/// </summary>
internal static class LineParsers
{
    private enum ArgumentStyle
    {
        Ignore,
        SubCommand,
        NameOrNameValue,
        NameValue,
        MaybeJson,
        MaybeJsonToList,
        WhitespaceDelimited,
        SingleString,
        HealthConfig,
    }

    public static SyntaxNode NodeFromLine(string line, char escape, int startLine, int endLine)
    {
        var (keyword, flags, rest) = SplitCommand(line);
        var style = _styles.GetValueOrDefault(keyword, ArgumentStyle.Ignore);
        var arguments = new List<string>();
        var isJson = false;
        SyntaxNode? child = null;

        switch (style)
        {
            case ArgumentStyle.SubCommand:
                if (rest.Length > 0)
                {
                    child = NodeFromLine(rest, escape, startLine, endLine);
                }

                break;
            case ArgumentStyle.NameOrNameValue:
                arguments.AddRange(ParseWords(rest, escape));
                break;
            case ArgumentStyle.NameValue:
                ParseNameValue(rest, keyword.ToUpperInvariant(), escape, arguments);
                break;
            case ArgumentStyle.MaybeJson:
                isJson = ParseMaybeJson(rest, arguments);
                break;
            case ArgumentStyle.MaybeJsonToList:
                isJson = ParseMaybeJsonToList(rest, arguments);
                break;
            case ArgumentStyle.WhitespaceDelimited:
                SplitOnWhitespace(rest, arguments);
                break;
            case ArgumentStyle.SingleString:
                if (rest.Length > 0)
                {
                    arguments.Add(rest);
                }

                break;
            case ArgumentStyle.HealthConfig:
                isJson = ParseHealthConfig(rest, arguments);
                break;
            case ArgumentStyle.Ignore:
                break;
        }

        return new SyntaxNode(keyword, flags, arguments, isJson, child, line, startLine, endLine);
    }

    // Keywords match case-insensitively; unknown ones get no arguments (the typed layer rejects them).
    private static readonly Dictionary<string, ArgumentStyle> _styles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["add"] = ArgumentStyle.MaybeJsonToList,
        ["copy"] = ArgumentStyle.MaybeJsonToList,
        ["volume"] = ArgumentStyle.MaybeJsonToList,
        ["arg"] = ArgumentStyle.NameOrNameValue,
        ["cmd"] = ArgumentStyle.MaybeJson,
        ["entrypoint"] = ArgumentStyle.MaybeJson,
        ["run"] = ArgumentStyle.MaybeJson,
        ["shell"] = ArgumentStyle.MaybeJson,
        ["env"] = ArgumentStyle.NameValue,
        ["label"] = ArgumentStyle.NameValue,
        ["expose"] = ArgumentStyle.WhitespaceDelimited,
        ["from"] = ArgumentStyle.WhitespaceDelimited,
        ["healthcheck"] = ArgumentStyle.HealthConfig,
        ["maintainer"] = ArgumentStyle.SingleString,
        ["stopsignal"] = ArgumentStyle.SingleString,
        ["user"] = ArgumentStyle.SingleString,
        ["workdir"] = ArgumentStyle.SingleString,
        ["onbuild"] = ArgumentStyle.SubCommand,
    };

    /// <summary>Keyword, then leading <c>--flags</c>, then the rest (trimmed).</summary>
    internal static (string Keyword, IReadOnlyList<string> Flags, string Remainder) SplitCommand(string line)
    {
        var trimmed = line.AsSpan().Trim();
        var split = 0;
        while (split < trimmed.Length && !IsTokenSeparator(trimmed[split]))
        {
            split++;
        }

        var keyword = KeywordText(trimmed[..split]);
        if (split == trimmed.Length)
        {
            return (keyword, [], "");
        }

        var afterKeyword = split;
        while (afterKeyword < trimmed.Length && IsTokenSeparator(trimmed[afterKeyword]))
        {
            afterKeyword++;
        }

        var rest = trimmed[afterKeyword..];
        if (!rest.StartsWith("--", StringComparison.Ordinal))
        {
            // The common case: no flags, so no need to run the flag scanner.
            return (keyword, [], rest.Trim().ToString());
        }

        var (remainder, flags) = ExtractBuilderFlags(rest.ToString());
        return (keyword, flags, remainder.Trim());
    }

    private static readonly string[] _commonKeywords =
    [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ];

    // Reuses one string per upper-case keyword instead of allocating one per instruction.
    private static string KeywordText(ReadOnlySpan<char> keyword)
    {
        foreach (var known in _commonKeywords)
        {
            if (keyword.SequenceEqual(known))
            {
                return known;
            }
        }

        return keyword.ToString();
    }

    private static bool IsTokenSeparator(char c) => c is ' ' or '\t' or '\v' or '\f' or '\r';

    /// <summary>Reads the <c>--name[=value]</c> words at the start; <c>--</c> ends them.</summary>
    private static (string Remainder, IReadOnlyList<string> Flags) ExtractBuilderFlags(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var inQuote = false;
        var blankOk = false;

        for (var pos = 0; pos <= line.Length; pos++)
        {
            var ch = pos < line.Length ? line[pos] : '\0';
            if (!inWord && !inQuote)
            {
                if (pos == line.Length)
                {
                    break;
                }

                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }

                // Only a word starting with -- is a flag.
                if (ch != '-' || pos + 1 == line.Length || line[pos + 1] != '-')
                {
                    return (line[pos..], words);
                }

                inWord = true;
            }

            if (pos == line.Length)
            {
                var text = word.ToString();
                if (text != "--" && (blankOk || text.Length > 0))
                {
                    words.Add(text);
                }

                break;
            }

            if (inWord && !inQuote)
            {
                if (char.IsWhiteSpace(ch))
                {
                    inWord = false;
                    var text = word.ToString();
                    if (text == "--")
                    {
                        return (line[pos..], words);
                    }

                    if (blankOk || text.Length > 0)
                    {
                        words.Add(text);
                    }

                    word.Clear();
                    blankOk = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    inQuote = true;
                    continue;
                }

                if (ch == '\\')
                {
                    if (pos + 1 == line.Length)
                    {
                        continue;
                    }

                    pos++;
                    ch = line[pos];
                }

                word.Append(ch);
                continue;
            }

            // In a quote.
            if (ch == quote)
            {
                inQuote = false;
                continue;
            }

            if (ch == '\\')
            {
                if (pos + 1 == line.Length)
                {
                    inQuote = false;
                    continue;
                }

                pos++;
                ch = line[pos];
            }

            word.Append(ch);
        }

        return ("", words);
    }

    /// <summary>Splits on blanks outside quotes; quotes and escapes stay in the words.</summary>
    internal static List<string> ParseWords(string rest, char escape)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var inQuote = false;
        var quote = 0;
        var blankOk = false;
        var reader = new RuneReader(rest);

        while (true)
        {
            var atEnd = reader.Peek() == RuneReader.EndOfInput;
            if (!inWord && !inQuote)
            {
                if (atEnd)
                {
                    break;
                }

                if (RuneReader.IsSpace(reader.Peek()))
                {
                    reader.Next();
                    continue;
                }

                inWord = true;
            }

            if (atEnd)
            {
                if (blankOk || word.Length > 0)
                {
                    words.Add(word.ToString());
                }

                break;
            }

            var ch = reader.Next();
            if (!inQuote)
            {
                if (RuneReader.IsSpace(ch))
                {
                    inWord = false;
                    if (blankOk || word.Length > 0)
                    {
                        words.Add(word.ToString());
                    }

                    word.Clear();
                    blankOk = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    inQuote = true;
                }

                if (ch == escape)
                {
                    if (reader.Peek() == RuneReader.EndOfInput)
                    {
                        continue;
                    }

                    // Outside quotes an escape keeps itself and the next character, even a quote.
                    Append(word, ch);
                    ch = reader.Next();
                }

                Append(word, ch);
                continue;
            }

            if (ch == quote)
            {
                inQuote = false;
            }

            // Inside single quotes nothing escapes.
            if (ch == escape && quote != '\'')
            {
                if (reader.Peek() == RuneReader.EndOfInput)
                {
                    inQuote = false;
                    continue;
                }

                Append(word, ch);
                ch = reader.Next();
            }

            Append(word, ch);
        }

        return words;
    }

    private static void Append(StringBuilder builder, int rune)
    {
        if (rune < 0x10000)
        {
            builder.Append((char)rune);
        }
        else
        {
            builder.Append(char.ConvertFromUtf32(rune));
        }
    }

    private static void ParseNameValue(string rest, string keyword, char escape, List<string> arguments)
    {
        var words = ParseWords(rest, escape);
        if (words.Count == 0)
        {
            return;
        }

        // "KEY name value" (legacy) when the first word has no '='; else "KEY a=b c=d".
        if (!words[0].Contains('='))
        {
            var split = 0;
            while (split < rest.Length && !IsTokenSeparator(rest[split]))
            {
                split++;
            }

            var valueStart = split;
            while (valueStart < rest.Length && IsTokenSeparator(rest[valueStart]))
            {
                valueStart++;
            }

            if (split == rest.Length)
            {
                throw new DockerfileException(
                    $"{keyword} must have two arguments",
                    hint: $"use {keyword} name=value");
            }

            arguments.Add(rest[..split]);
            arguments.Add(rest[valueStart..]);
            arguments.Add("");
            return;
        }

        foreach (var word in words)
        {
            var equals = word.IndexOf('=');
            if (equals < 0)
            {
                throw new DockerfileException($"Syntax error - can't find = in \"{word}\". Must be of the form: name=value");
            }

            arguments.Add(word[..equals]);
            arguments.Add(word[(equals + 1)..]);
            arguments.Add("=");
        }
    }

    private static void SplitOnWhitespace(string rest, List<string> arguments)
    {
        if (rest.Length == 0)
        {
            return;
        }

        var start = 0;
        for (var i = 0; i < rest.Length; i++)
        {
            if (!IsTokenSeparator(rest[i]))
            {
                continue;
            }

            arguments.Add(rest[start..i]);
            while (i + 1 < rest.Length && IsTokenSeparator(rest[i + 1]))
            {
                i++;
            }

            start = i + 1;
        }

        arguments.Add(rest[start..]);
    }

    private static bool ParseMaybeJson(string rest, List<string> arguments)
    {
        if (rest.Length == 0)
        {
            return false;
        }

        var parsed = JsonStringArray.TryParse(rest);
        if (parsed.IsNotStringArray)
        {
            throw new DockerfileException(
                "when using JSON array syntax, arrays must be comprised of strings only",
                hint: "quote every element, e.g. [\"executable\", \"arg\"]");
        }

        if (parsed.Values is { } values)
        {
            arguments.AddRange(values);
            return true;
        }

        arguments.Add(rest);
        return false;
    }

    private static bool ParseMaybeJsonToList(string rest, List<string> arguments)
    {
        var parsed = JsonStringArray.TryParse(rest);
        if (parsed.IsNotStringArray)
        {
            throw new DockerfileException(
                "when using JSON array syntax, arrays must be comprised of strings only",
                hint: "quote every element, e.g. [\"src\", \"dest\"]");
        }

        if (parsed.Values is { } values)
        {
            arguments.AddRange(values);
            return true;
        }

        SplitOnWhitespace(rest, arguments);
        return false;
    }

    private static bool ParseHealthConfig(string rest, List<string> arguments)
    {
        var separator = 0;
        while (separator < rest.Length && !char.IsWhiteSpace(rest[separator]))
        {
            separator++;
        }

        if (separator == 0)
        {
            return false;
        }

        var next = separator;
        while (next < rest.Length && char.IsWhiteSpace(rest[next]))
        {
            next++;
        }

        arguments.Add(rest[..separator]);
        return ParseMaybeJson(rest[next..], arguments);
    }
}
