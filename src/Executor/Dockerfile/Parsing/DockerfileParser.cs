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
        var lines = new LineReader(text.StartsWith('\uFEFF') ? text[1..] : text);
        var nodes = new List<SyntaxNode>();
        var warnings = new List<string>();
        var currentLine = 0;
        var joined = new StringBuilder();

        while (lines.TryRead(out var raw))
        {
            var processed = ProcessLine(directives, raw, stripLeadingWhitespace: true, file, currentLine + 1);
            currentLine++;
            var startLine = currentLine;

            var (first, isEndOfLine) = TrimContinuation(processed, directives.EscapeChar);
            if (isEndOfLine && first.Length == 0)
            {
                continue;
            }

            joined.Clear();
            joined.Append(first);
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

                (continuation, isEndOfLine) = TrimContinuation(continuation, directives.EscapeChar);
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

            nodes.Add(node with { StartLine = startLine, EndLine = currentLine });
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
                var candidate = raw.AsSpan().TrimEnd("\r\n");
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
        if (node.Instruction == "onbuild" && node.Child is not null)
        {
            node = node.Child;
        }

        return node.Instruction is "run" or "copy" or "add" && !node.IsJson;
    }

    private static string ProcessLine(ParserDirectives directives, string raw, bool stripLeadingWhitespace, string file, int lineNumber)
    {
        var token = TrimNewline(raw);
        if (stripLeadingWhitespace)
        {
            token = TrimLeadingWhitespace(token);
        }

        try
        {
            directives.Inspect(token);
        }
        catch (DockerfileException ex)
        {
            throw ex.At(new SourceLocation(file, lineNumber, lineNumber), token);
        }

        // A line that starts with # is a comment (continuation lines: only without indent).
        return token.StartsWith('#') ? "" : token;
    }

    /// <summary>
    /// The escape character at the end of a line (blanks after it allowed) continues the line,
    /// unless it is itself escaped.
    /// </summary>
    private static (string Line, bool IsEndOfLine) TrimContinuation(string line, char escape)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end == 0 || line[end - 1] != escape)
        {
            return (line, true);
        }

        var escapeAt = end - 1;
        if (escapeAt == 0)
        {
            return ("", false);
        }

        return line[escapeAt - 1] == escape ? (line, true) : (line[..escapeAt], false);
    }

    private static bool IsComment(string raw) => TrimLeadingWhitespace(TrimNewline(raw)).StartsWith('#');

    private static bool IsEmptyContinuationLine(string line) => TrimLeadingWhitespace(TrimNewline(line)).Length == 0;

    private static string TrimNewline(string raw) => raw.TrimEnd('\r', '\n');

    private static string TrimLeadingWhitespace(string text)
    {
        var start = 0;
        while (start < text.Length && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        return start == 0 ? text : text[start..];
    }

    /// <summary>Splits text into lines that keep their line ending, as heredoc bodies need.</summary>
    private struct LineReader
    {
        private readonly string _text;
        private int _position;

        public LineReader(string text)
        {
            _text = text;
            _position = 0;
        }

        public bool TryRead(out string line)
        {
            if (_position >= _text.Length)
            {
                line = "";
                return false;
            }

            var newline = _text.IndexOf('\n', _position);
            var end = newline < 0 ? _text.Length : newline + 1;
            line = _text[_position..end];
            _position = end;
            return true;
        }
    }
}
