using System.Text;
using System.Text.RegularExpressions;
using Kaniko.Executor.Dockerfile;

namespace Kaniko.Executor.Context;

/// <summary>
/// One .dockerignore line: Go filepath.Match syntax (<c>*</c>, <c>?</c>, <c>[...]</c>, <c>\</c>)
/// plus <c>**</c> for any number of directories; <c>!</c> makes it an exception that re-includes.
/// </summary>
public sealed class DockerIgnorePattern
{
    private static readonly TimeSpan _matchTimeout = TimeSpan.FromSeconds(2);

    private readonly MatchKind _kind;
    private readonly Regex? _regex;
    private readonly Regex?[] _componentRegexes;

    private DockerIgnorePattern(string pattern, bool isException, int line)
    {
        Pattern = pattern;
        IsException = isException;
        Line = line;
        Components = pattern.Split('/');
        (_kind, _regex) = Compile(pattern);
        _componentRegexes = new Regex?[Components.Count];
    }

    private enum MatchKind
    {
        Exact,
        Prefix,
        Suffix,
        Expression,
    }

    /// <summary>The cleaned pattern, without the leading <c>!</c>.</summary>
    public string Pattern { get; }

    public bool IsException { get; }

    /// <summary>1-based line in the ignore file.</summary>
    public int Line { get; }

    internal IReadOnlyList<string> Components { get; }

    /// <summary>Parses a cleaned pattern line; throws <see cref="DockerfileException"/> for malformed ones.</summary>
    internal static DockerIgnorePattern Create(string line, int lineNumber, string file)
    {
        var pattern = DockerIgnorePaths.Clean(line.Trim());
        var isException = pattern.StartsWith('!');
        if (isException)
        {
            if (pattern.Length == 1)
            {
                throw new DockerfileException("illegal exclusion pattern: \"!\"", new SourceLocation(file, lineNumber, lineNumber));
            }

            pattern = pattern[1..];
        }

        try
        {
            return new DockerIgnorePattern(pattern, isException, lineNumber);
        }
        catch (ArgumentException)
        {
            throw new DockerfileException(
                $"syntax error in pattern \"{pattern}\"",
                new SourceLocation(file, lineNumber, lineNumber),
                hint: "check that every [ has a matching ]");
        }
    }

    /// <summary>Whether the pattern matches this exact context-relative path (slash-separated).</summary>
    public bool Matches(string path)
    {
        try
        {
            return _kind switch
            {
                MatchKind.Exact => path == Pattern,
                MatchKind.Prefix => path.StartsWith(Pattern[..^2], StringComparison.Ordinal),
                MatchKind.Suffix => MatchesSuffix(path),
                _ => _regex!.IsMatch(path),
            };
        }
        catch (RegexMatchTimeoutException)
        {
            throw new DockerfileException($".dockerignore pattern \"{Pattern}\" is too expensive to match", new SourceLocation(".dockerignore", Line, Line));
        }
    }

    /// <summary>Whether one path component matches the pattern component at the same depth.</summary>
    internal bool ComponentMatches(int index, string component)
    {
        try
        {
            var regex = _componentRegexes[index] ??= new Regex(
                "^" + Translate(Components[index], out _) + @"\z",
                RegexOptions.CultureInvariant | RegexOptions.Singleline,
                _matchTimeout);
            return regex.IsMatch(component);
        }
        catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
        {
            // A class spanning a '/' (e.g. "a[/]b") has no per-component form; assume it may match.
            return true;
        }
    }

    private bool MatchesSuffix(string path)
    {
        // "**/name" (or "**name") matches paths ending with it, and "name" itself.
        var suffix = Pattern[2..];
        if (path.EndsWith(suffix, StringComparison.Ordinal))
        {
            return true;
        }

        return suffix.StartsWith('/') && path == suffix[1..];
    }

    private static (MatchKind Kind, Regex? Regex) Compile(string pattern)
    {
        var body = Translate(pattern, out var kind);
        if (kind != MatchKind.Expression)
        {
            // Still validate brackets and escapes the way the matcher would.
            _ = new Regex("^" + body + @"\z", RegexOptions.CultureInvariant);
            return (kind, null);
        }

        return (kind, new Regex("^" + body + @"\z", RegexOptions.CultureInvariant | RegexOptions.Singleline, _matchTimeout));
    }

    private static string Translate(string pattern, out MatchKind kind)
    {
        var output = new StringBuilder();
        kind = MatchKind.Exact;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (inClass)
            {
                if (ch == ']')
                {
                    inClass = false;
                    output.Append(']');
                }
                else if (ch == '\\' && i + 1 < pattern.Length)
                {
                    output.Append(Regex.Escape(pattern[++i].ToString()));
                }
                else if (ch is '[' or '\\')
                {
                    output.Append('\\').Append(ch);
                }
                else
                {
                    output.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    var atStart = i == 0;
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    if (i + 1 >= pattern.Length)
                    {
                        // Trailing "**" matches everything below.
                        if (kind == MatchKind.Exact)
                        {
                            kind = MatchKind.Prefix;
                        }
                        else
                        {
                            output.Append(".*");
                            kind = MatchKind.Expression;
                        }
                    }
                    else
                    {
                        output.Append("(.*/)?");
                        kind = MatchKind.Expression;
                    }

                    if (atStart)
                    {
                        kind = MatchKind.Suffix;
                    }

                    break;
                case '*':
                    output.Append("[^/]*");
                    kind = MatchKind.Expression;
                    break;
                case '?':
                    output.Append("[^/]");
                    kind = MatchKind.Expression;
                    break;
                case '\\':
                    if (i + 1 < pattern.Length)
                    {
                        output.Append(Regex.Escape(pattern[++i].ToString()));
                        kind = MatchKind.Expression;
                    }
                    else
                    {
                        output.Append(@"\\");
                    }

                    break;
                case '[':
                    inClass = true;
                    output.Append('[');
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        output.Append('^');
                        i++;
                    }

                    // A ']' right after the opening bracket is a member, as in Go.
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        output.Append(@"\]");
                        i++;
                    }

                    kind = MatchKind.Expression;
                    break;
                case ']':
                    output.Append(@"\]");
                    kind = MatchKind.Expression;
                    break;
                default:
                    output.Append(Regex.Escape(ch.ToString()));
                    break;
            }
        }

        if (inClass)
        {
            throw new ArgumentException("unterminated character class", nameof(pattern));
        }

        return output.ToString();
    }
}
