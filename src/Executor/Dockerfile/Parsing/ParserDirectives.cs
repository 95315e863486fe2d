using System.Text.RegularExpressions;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// Parser directives (<c># syntax=</c>, <c># escape=</c>, <c># check=</c>): only recognised in the
/// comment lines at the very top; the first other line ends the search.
/// </summary>
internal sealed partial class ParserDirectives
{
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private bool _done;

    public char EscapeChar { get; private set; } = '\\';

    public bool IsDone => _done;

    public IReadOnlyDictionary<string, string> Values => _seen;

    /// <summary>Looks at one line (newline and leading blanks removed); throws on a bad directive.</summary>
    public void Inspect(string line)
    {
        if (_done)
        {
            return;
        }

        var match = DirectivePattern().Match(line);
        if (!match.Success)
        {
            _done = true;
            return;
        }

        var name = match.Groups[1].Value.ToLowerInvariant();
        if (name is not ("syntax" or "escape" or "check"))
        {
            _done = true;
            return;
        }

        if (_seen.ContainsKey(name))
        {
            throw new DockerfileException($"only one {name} parser directive can be used");
        }

        var value = match.Groups[2].Value;
        _seen[name] = value;
        if (name == "escape")
        {
            if (value is not ("`" or "\\"))
            {
                throw new DockerfileException($"invalid escape token '{value}' does not match ` or \\");
            }

            EscapeChar = value[0];
        }
    }

    public void Stop() => _done = true;

    [GeneratedRegex(@"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();
}
