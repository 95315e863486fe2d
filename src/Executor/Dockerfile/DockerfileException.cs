namespace Kaniko.Executor.Dockerfile;

/// <summary>
/// The only exception the Dockerfile front end throws. The message starts with
/// "&lt;file&gt;:&lt;line&gt;: " when the location is known, then says what is wrong,
/// in which instruction, and (for common mistakes) a hint.
/// </summary>
public sealed class DockerfileException : Exception
{
    public DockerfileException(string problem, SourceLocation? location = null, string? instruction = null, string? hint = null, int? column = null)
        : base(Compose(problem, location, instruction, hint, column))
    {
        Problem = problem;
        Location = location;
        Instruction = instruction;
        Hint = hint;
        Column = column;
    }

    public DockerfileException(string problem, Exception inner)
        : base(problem, inner)
    {
        Problem = problem;
    }

    public SourceLocation? Location { get; }

    /// <summary>The error without location, instruction or hint.</summary>
    public string Problem { get; }

    /// <summary>The instruction as written (continuations joined), when known.</summary>
    public string? Instruction { get; }

    public string? Hint { get; }

    /// <summary>1-based column within the start line, when it helps.</summary>
    public int? Column { get; }

    /// <summary>The same problem, placed at an instruction (keeps a location already known).</summary>
    public DockerfileException At(SourceLocation location, string? instruction) =>
        Location is not null
            ? this
            : new DockerfileException(Problem, location, Instruction ?? instruction, Hint, Column);

    private static string Compose(string problem, SourceLocation? location, string? instruction, string? hint, int? column)
    {
        var text = problem;
        if (location is not null)
        {
            text = $"{location.File}:{location.StartLine}: {problem}";
            if (column is int c)
            {
                text += $" at column {c}";
            }
        }

        if (!string.IsNullOrEmpty(hint))
        {
            text += $" ({hint})";
        }

        if (!string.IsNullOrEmpty(instruction))
        {
            text += $" in \"{Shorten(instruction)}\"";
        }

        return text;
    }

    // Long RUN lines would drown the actual message.
    private static string Shorten(string instruction)
    {
        var oneLine = instruction.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 120 ? oneLine : string.Concat(oneLine.AsSpan(0, 117), "...");
    }
}
