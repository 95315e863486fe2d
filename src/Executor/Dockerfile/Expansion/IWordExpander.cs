namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>Expands Dockerfile words against the ARG/ENV values in scope.</summary>
public interface IWordExpander
{
    /// <summary>Removes quotes and escapes and substitutes variables, keeping the result as one word.</summary>
    string ExpandWord(string word);

    /// <summary>Like <see cref="ExpandWord"/>, then splits unquoted whitespace into separate words.</summary>
    IReadOnlyList<string> ExpandWords(string word);

    /// <summary>
    /// Substitutes variables in heredoc content (COPY/ADD heredocs whose name was not quoted).
    /// Quotes are kept as written; a backslash escapes the next character, as in BuildKit.
    /// </summary>
    string ExpandHeredocContent(string content) => ExpandWord(content);
}
