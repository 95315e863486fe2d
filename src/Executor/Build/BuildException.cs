using Kaniko.Executor.Dockerfile;

namespace Kaniko.Executor.Build;

/// <summary>A build step failed; the message names the Dockerfile line and instruction, and what to do.</summary>
public sealed class BuildException : Exception
{
    public BuildException(SourceLocation? location, string instruction, string message, Exception? inner = null)
        : base(Format(location, instruction, message), inner)
    {
        Location = location;
    }

    public SourceLocation? Location { get; }

    private static string Format(SourceLocation? location, string instruction, string message)
    {
        var where = location is null ? string.Empty : $"{location.File}:{location.StartLine}: ";
        var what = instruction.Length > 80 ? string.Concat(instruction.AsSpan(0, 77), "...") : instruction;
        return $"{where}{what}: {message}";
    }
}
