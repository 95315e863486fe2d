namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>Expands Dockerfile words against the ARG/ENV values in scope.</summary>
public interface IWordExpander
{
    /// <summary>Removes quotes and escapes and substitutes variables, keeping the result as one word.</summary>
    string ExpandWord(string word);

    /// <summary>Like <see cref="ExpandWord"/>, then splits unquoted whitespace into separate words.</summary>
    IReadOnlyList<string> ExpandWords(string word);

    /// <summary>
    /// Substitutes variables in heredoc content while keeping quotes and escapes as written,
    /// which is what a shell does with an unquoted heredoc.
    /// </summary>
    string ExpandHeredocContent(string content) => ExpandWord(content);
}
