using System.Text;
using System.Text.RegularExpressions;

namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>Shell glob patterns for <c>${v#p}</c>, <c>${v%p}</c> and <c>${v/p/r}</c>.</summary>
internal static class ShellPattern
{
    // Patterns come from Dockerfiles; a bound keeps a pathological one from hanging the build.
    private static readonly TimeSpan _matchTimeout = TimeSpan.FromSeconds(2);

    public static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var regex = ToRegex(pattern, greedy, anchored: true);
        var match = Run(() => regex.Match(value));
        return match.Success ? value[(match.Index + match.Length)..] : value;
    }

    public static string TrimSuffix(string pattern, string value, bool greedy)
    {
        // Regular expressions find leftmost matches, so search the reversed value
        // with the reversed pattern to find the rightmost one.
        var trimmed = TrimPrefix(ReversePattern(pattern), Reverse(value), greedy);
        return Reverse(trimmed);
    }

    public static string Replace(string value, string pattern, string replacement, bool replaceAll)
    {
        var regex = ToRegex(pattern, greedy: true, anchored: false);
        if (replaceAll)
        {
            return Run(() => regex.Replace(value, match => ExpandTemplate(replacement, match.Value)));
        }

        var first = Run(() => regex.Match(value));
        return first.Success
            ? string.Concat(value.AsSpan(0, first.Index), replacement, value.AsSpan(first.Index + first.Length))
            : value;
    }

    private static Regex ToRegex(string pattern, bool greedy, bool anchored)
    {
        var output = new StringBuilder(pattern.Length + 4);
        if (anchored)
        {
            output.Append('^');
        }

        var star = greedy ? ".*" : ".*?";
        var reader = new RuneReader(pattern);
        for (var token = reader.Next(); token != RuneReader.EndOfInput; token = reader.Next())
        {
            switch (token)
            {
                case '*':
                    output.Append(star);
                    continue;
                case '?':
                    output.Append('.');
                    continue;
                case '\\':
                    // Inside ${} a } or / is escaped for the lexer; the escape is not part of the pattern.
                    if (reader.Peek() is '}' or '/')
                    {
                        continue;
                    }

                    output.Append('\\');
                    token = reader.Next();
                    if (token is not ('*' or '?' or '\\'))
                    {
                        var shown = token == RuneReader.EndOfInput ? "" : char.ConvertFromUtf32(token);
                        throw new DockerfileException($"invalid pattern ({pattern}) in substitution: invalid escape '\\{shown}'");
                    }

                    break;
                case '[' or ']' or '{' or '}' or '.' or '+' or '(' or ')' or '|' or '^' or '$' or '#' or ' ':
                    output.Append('\\');
                    break;
            }

            output.Append(char.ConvertFromUtf32(token));
        }

        try
        {
            return new Regex(output.ToString(), RegexOptions.CultureInvariant, _matchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new DockerfileException($"invalid pattern ({pattern}) in substitution: {ex.Message}");
        }
    }

    private static T Run<T>(Func<T> match)
    {
        try
        {
            return match();
        }
        catch (RegexMatchTimeoutException)
        {
            throw new DockerfileException("pattern in substitution is too expensive to match");
        }
    }

    /// <summary>Go's regexp template: $0 / ${0} is the match, $$ a dollar, other names are empty.</summary>
    private static string ExpandTemplate(string template, string matched)
    {
        if (!template.Contains('$'))
        {
            return template;
        }

        var output = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length)
            {
                output.Append(c);
                continue;
            }

            if (template[i + 1] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }

            string name;
            int end;
            if (template[i + 1] == '{')
            {
                var close = template.IndexOf('}', i + 2);
                if (close < 0)
                {
                    output.Append(c);
                    continue;
                }

                name = template[(i + 2)..close];
                end = close;
            }
            else
            {
                end = i + 1;
                while (end < template.Length && (char.IsAsciiLetterOrDigit(template[end]) || template[end] == '_'))
                {
                    end++;
                }

                name = template[(i + 1)..end];
                end--;
            }

            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                output.Append(c);
                continue;
            }

            if (name.All(char.IsAsciiDigit) && int.TryParse(name, out var group) && group == 0)
            {
                output.Append(matched);
            }

            i = end;
        }

        return output.ToString();
    }

    // Reverses a pattern but keeps each escape in front of the character it escapes.
    private static string ReversePattern(string pattern)
    {
        var runes = pattern.EnumerateRunes().ToArray();
        var output = new Rune[runes.Length];
        var last = runes.Length - 1;
        for (var i = 0; i <= last;)
        {
            var outIndex = last - i;
            if (runes[i].Value == '\\' && i != last)
            {
                output[outIndex - 1] = runes[i];
                output[outIndex] = runes[i + 1];
                i += 2;
            }
            else
            {
                output[outIndex] = runes[i];
                i++;
            }
        }

        var builder = new StringBuilder(pattern.Length);
        foreach (var rune in output)
        {
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    private static string Reverse(string value)
    {
        var runes = value.EnumerateRunes().ToArray();
        Array.Reverse(runes);
        var builder = new StringBuilder(value.Length);
        foreach (var rune in runes)
        {
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}
