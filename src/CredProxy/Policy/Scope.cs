namespace Kaniko.CredProxy.Policy;

/// <summary>A token scope, e.g. <c>repository:group/app:pull,push</c>.</summary>
public sealed record Scope(string Repository, bool Push)
{
    public string Actions => Push ? "pull,push" : "pull";

    public override string ToString() => $"repository:{Repository}:{Actions}";

    /// <summary>Merges scopes on the same repository, keeping the widest actions, in a stable order.</summary>
    public static IReadOnlyList<Scope> Normalize(IEnumerable<Scope> scopes) =>
        [.. scopes.GroupBy(s => s.Repository, StringComparer.Ordinal)
            .Select(g => new Scope(g.Key, g.Any(s => s.Push)))
            .OrderBy(s => s.Repository, StringComparer.Ordinal)];

    public static string Describe(IReadOnlyList<Scope> scopes) => string.Join(' ', scopes);

    /// <summary>Parses a challenge's <c>scope</c> parameter (space separated) into repository scopes.</summary>
    public static IEnumerable<Scope> ParseMany(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            if (parts.Length == 3 && parts[0] == "repository" && RepositoryName.IsValid(parts[1]))
            {
                yield return new Scope(parts[1], parts[2].Split(',').Contains("push"));
            }
        }
    }
}
