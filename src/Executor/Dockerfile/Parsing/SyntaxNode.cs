namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// One parsed instruction, before any meaning is given to it. Arguments are exactly what
/// BuildKit's parser produces: for ENV and LABEL they come in (name, value, separator) triples,
/// for HEALTHCHECK the type comes first, for ONBUILD the trigger is <see cref="Child"/>.
/// </summary>
public sealed record SyntaxNode(
    string Keyword,
    IReadOnlyList<string> Flags,
    IReadOnlyList<string> Arguments,
    bool IsJson,
    SyntaxNode? Child,
    string Original,
    int StartLine,
    int EndLine)
{
    /// <summary>The keyword in lower case, which is how instructions are matched.</summary>
    public string Instruction => Keyword.ToLowerInvariant();

    /// <summary>Heredoc bodies that follow the instruction, in the order they were opened.</summary>
    public IReadOnlyList<ParsedHeredoc> Heredocs { get; init; } = [];
}

/// <summary>A heredoc as read: <see cref="Content"/> keeps its line endings and leading tabs.</summary>
public sealed record ParsedHeredoc(string Name, int FileDescriptor, bool Expand, bool Chomp, string Content);

/// <summary>A Dockerfile after parsing: its instructions, escape character and parser directives.</summary>
public sealed record ParsedDockerfile(
    string File,
    char EscapeChar,
    IReadOnlyList<SyntaxNode> Nodes,
    IReadOnlyDictionary<string, string> Directives,
    IReadOnlyList<string> Warnings);
