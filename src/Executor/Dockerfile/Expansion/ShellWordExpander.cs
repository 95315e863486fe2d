namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>BuildKit-compatible word expansion over a fixed set of variables.</summary>
public sealed class ShellWordExpander : IWordExpander
{
    private readonly ShellLexer _lexer;
    private readonly ShellLexer _heredocLexer;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public ShellWordExpander(char escapeChar, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _lexer = new ShellLexer(escapeChar);
        // BuildKit expands heredoc bodies with quotes left alone and always '\' as the escape.
        _heredocLexer = new ShellLexer('\\') { SkipProcessQuotes = true };
    }

    public string ExpandWord(string word) => _lexer.ProcessWord(word, Lookup);

    public IReadOnlyList<string> ExpandWords(string word) => _lexer.ProcessWords(word, Lookup);

    public string ExpandHeredocContent(string content) => _heredocLexer.ProcessWord(content, Lookup);

    private bool Lookup(string name, out string value)
    {
        if (_environment.TryGetValue(name, out var found))
        {
            value = found;
            return true;
        }

        value = "";
        return false;
    }
}
