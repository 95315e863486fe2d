namespace Kaniko.TestKit;

/// <summary>A registry token scope: <c>repository:NAME:pull,push</c>.</summary>
public sealed record TokenScope(string Type, string Name, IReadOnlyList<string> Actions)
{
    /// <summary>Parses <c>TYPE:NAME:ACTIONS</c>; NAME may contain colons. Null when malformed.</summary>
    public static TokenScope? TryParse(string text)
    {
        var first = text.IndexOf(':', StringComparison.Ordinal);
        var last = text.LastIndexOf(':');
        if (first <= 0 || last <= first)
        {
            return null;
        }

        var actions = text[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new TokenScope(text[..first], text[(first + 1)..last], actions);
    }

    public override string ToString() => $"{Type}:{Name}:{string.Join(',', Actions)}";

    public bool Equals(TokenScope? other) =>
        other is not null && Type == other.Type && Name == other.Name && Actions.SequenceEqual(other.Actions);

    public override int GetHashCode() => HashCode.Combine(Type, Name, string.Join(',', Actions));
}
