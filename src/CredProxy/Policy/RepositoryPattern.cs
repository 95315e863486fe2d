namespace Kaniko.CredProxy.Policy;

/// <summary>
/// A repository allow-list entry: <c>*</c> matches every repository, <c>group/app</c> matches exactly,
/// <c>group/app/*</c> matches every repository below <c>group/app</c> (any depth), not <c>group/app</c> itself.
/// </summary>
public sealed record RepositoryPattern
{
    private RepositoryPattern(string text) => Text = text;

    public string Text { get; }

    public static bool TryParse(string text, out RepositoryPattern? pattern)
    {
        pattern = null;
        text = text.Trim();
        if (text == "*")
        {
            pattern = new RepositoryPattern(text);
            return true;
        }

        var name = text.EndsWith("/*", StringComparison.Ordinal) ? text[..^2] : text;
        if (!RepositoryName.IsValid(name))
        {
            return false;
        }

        pattern = new RepositoryPattern(text);
        return true;
    }

    public bool Matches(string repository)
    {
        if (Text == "*")
        {
            return true;
        }

        if (Text.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = Text[..^1];
            return repository.StartsWith(prefix, StringComparison.Ordinal) && repository.Length > prefix.Length;
        }

        return string.Equals(Text, repository, StringComparison.Ordinal);
    }

    public static bool AnyMatches(IReadOnlyList<RepositoryPattern> patterns, string repository)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.Matches(repository))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Text;
}
