using System.Text;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// Turns Dockerfile text into <see cref="SyntaxNode"/>s following BuildKit's parser: line
/// continuations with the escape character, comments and blank lines inside continuations,
/// parser directives at the top, JSON/shell forms and heredocs. Knows no instruction semantics.
/// </summary>
public static class DockerfileParser
{
    public static ParsedDockerfile Parse(string text, string file = "Dockerfile")
    {
        ArgumentNullException.ThrowIfNull(text);
        var directives = new ParserDirectives();
        var lines = new LineReader(text, text.StartsWith('\uFEFF') ? 1 : 0);
        var nodes = new List<SyntaxNode>();
        var warnings = new List<string>();
        var currentLine = 0;
        var joined = new StringBuilder();

        while (lines.TryRead(out var raw))
        {
            var processed = ProcessLine(directives, raw, stripLeadingWhitespace: true, file, currentLine + 1);
            currentLine++;
            var startLine = currentLine;

            var isEndOfLine = TrimContinuation(ref processed, directives.EscapeChar);
            if (isEndOfLine && processed.IsEmpty)
            {
                continue;
            }

            joined.Clear();
            joined.Append(processed);
            var hasEmptyContinuationLine = false;
            while (!isEndOfLine && lines.TryRead(out raw))
            {
                directives.Stop();
                var continuation = ProcessLine(directives, raw, stripLeadingWhitespace: false, file, currentLine + 1);
                currentLine++;

                if (IsComment(raw))
                {
                    continue;
                }

                if (IsEmptyContinuationLine(continuation))
                {
                    hasEmptyContinuationLine = true;
                    continue;
                }

                isEndOfLine = TrimContinuation(ref continuation, directives.EscapeChar);
                joined.Append(continuation);
            }

            var line = joined.ToString();
            if (hasEmptyContinuationLine)
            {
                warnings.Add($"{file}:{startLine}: empty continuation line (these will become errors in a future release)");
            }

            SyntaxNode node;
            try
            {
                node = LineParsers.NodeFromLine(line, directives.EscapeChar, startLine, currentLine);
            }
            catch (DockerfileException ex)
            {
                throw ex.At(new SourceLocation(file, startLine, currentLine), line);
            }

            if (CanContainHeredoc(node) && line.Contains("<<", StringComparison.Ordinal))
            {
                node = ReadHeredocs(node, line, ref lines, ref currentLine, file, startLine);
            }

            nodes.Add(node.EndLine == currentLine ? node : node with { EndLine = currentLine });
        }

        if (nodes.Count == 0)
        {
            throw new DockerfileException("file with no instructions", new SourceLocation(file, Math.Max(currentLine, 1), Math.Max(currentLine, 1)));
        }

        return new ParsedDockerfile(file, directives.EscapeChar, nodes, directives.Values.ToDictionary(), warnings);
    }

    private static SyntaxNode ReadHeredocs(SyntaxNode node, string line, ref LineReader lines, ref int currentLine, string file, int startLine)
    {
        IReadOnlyList<HeredocMarker> markers;
        try
        {
            markers = HeredocMarker.FindAll(line);
        }
        catch (DockerfileException ex)
        {
            throw ex.At(new SourceLocation(file, startLine, currentLine), line);
        }

        if (markers.Count == 0)
        {
            return node;
        }

        var heredocs = new List<ParsedHeredoc>(markers.Count);
        foreach (var marker in markers)
        {
            var content = new StringBuilder();
            var terminated = false;
            while (lines.TryRead(out var raw))
            {
                currentLine++;
                var candidate = raw.TrimEnd("\r\n");
                if (marker.Chomp)
                {
                    candidate = candidate.TrimStart('\t');
                }

                if (candidate.SequenceEqual(marker.Name))
                {
                    terminated = true;
                    break;
                }

                content.Append(raw);
            }

            if (!terminated)
            {
                throw new DockerfileException(
                    $"unterminated heredoc {marker.Name}",
                    new SourceLocation(file, startLine, currentLine),
                    line,
                    $"end it with a line containing only {marker.Name}");
            }

            heredocs.Add(new ParsedHeredoc(marker.Name, marker.FileDescriptor, marker.Expand, marker.Chomp, content.ToString()));
        }

        return node with { Heredocs = heredocs };
    }

    private static bool CanContainHeredoc(SyntaxNode node)
    {
        if (node.Child is not null && node.Keyword.Equals("onbuild", StringComparison.OrdinalIgnoreCase))
        {
            node = node.Child;
        }

        return !node.IsJson &&
            (node.Keyword.Equals("run", StringComparison.OrdinalIgnoreCase) ||
             node.Keyword.Equals("copy", StringComparison.OrdinalIgnoreCase) ||
             node.Keyword.Equals("add", StringComparison.OrdinalIgnoreCase));
    }

    private static ReadOnlySpan<char> ProcessLine(ParserDirectives directives, ReadOnlySpan<char> raw, bool stripLeadingWhitespace, string file, int lineNumber)
    {
        var token = TrimNewline(raw);
        if (stripLeadingWhitespace)
        {
            token = TrimLeadingWhitespace(token);
        }

        if (!directives.IsDone)
        {
            try
            {
                directives.Inspect(token.ToString());
            }
            catch (DockerfileException ex)
            {
                throw ex.At(new SourceLocation(file, lineNumber, lineNumber), token.ToString());
            }
        }

        // A line that starts with # is a comment (continuation lines: only without indent).
        if (token.StartsWith('#'))
        {
            return [];
        }

        // A NUL would reach paths and commands and fail there without a line; it means a binary file.
        var nul = token.IndexOf('\0');
        if (nul >= 0)
        {
            throw new DockerfileException(
                "NUL character in an instruction line",
                new SourceLocation(file, lineNumber, lineNumber),
                hint: "a Dockerfile is text: check that --dockerfile names the Dockerfile, and remove the NUL byte",
                column: nul + 1);
        }

        return token;
    }

    /// <summary>
    /// The escape character at the end of a line (blanks after it allowed) continues the line,
    /// unless it is itself escaped. Removes the continuation and returns whether the line ends here.
    /// </summary>
    private static bool TrimContinuation(ref ReadOnlySpan<char> line, char escape)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end == 0 || line[end - 1] != escape)
        {
            return true;
        }

        var escapeAt = end - 1;
        if (escapeAt > 0 && line[escapeAt - 1] == escape)
        {
            return true;
        }

        line = line[..escapeAt];
        return false;
    }

    private static bool IsComment(ReadOnlySpan<char> raw) => TrimLeadingWhitespace(TrimNewline(raw)).StartsWith('#');

    private static bool IsEmptyContinuationLine(ReadOnlySpan<char> line) => TrimLeadingWhitespace(TrimNewline(line)).IsEmpty;

    private static ReadOnlySpan<char> TrimNewline(ReadOnlySpan<char> raw) => raw.TrimEnd("\r\n");

    private static ReadOnlySpan<char> TrimLeadingWhitespace(ReadOnlySpan<char> text)
    {
        var start = 0;
        while (start < text.Length && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    /// <summary>Splits text into lines that keep their line ending, as heredoc bodies need.</summary>
    private ref struct LineReader
    {
        private readonly string _text;
        private int _position;

        public LineReader(string text, int start)
        {
            _text = text;
            _position = start;
        }

        public bool TryRead(out ReadOnlySpan<char> line)
        {
            if (_position >= _text.Length)
            {
                line = [];
                return false;
            }

            var newline = _text.IndexOf('\n', _position);
            var end = newline < 0 ? _text.Length : newline + 1;
            line = _text.AsSpan(_position, end - _position);
            _position = end;
            return true;
        }
    }
}
