namespace Kaniko.Executor.Dockerfile;

/// <summary>Where an instruction sits in a Dockerfile; lines are 1-based and inclusive.</summary>
public sealed record SourceLocation(string File, int StartLine, int EndLine)
{
    public override string ToString() => StartLine == EndLine || EndLine <= 0
        ? $"{File}:{StartLine}"
        : $"{File}:{StartLine}-{EndLine}";
}
