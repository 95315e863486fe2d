using System.Collections.Frozen;

namespace Kaniko.CredProxy.Policy;

/// <summary>
/// The repositories a build declared when it claimed the push capability: pushes with that capability go
/// to these repositories only (each also inside its registry's configured push allow-list).
/// </summary>
public sealed class PushDeclaration
{
    private readonly FrozenSet<string> _keys;

    public PushDeclaration(IEnumerable<(string Registry, string Repository)> repositories)
    {
        Repositories = [.. repositories.Distinct().OrderBy(r => r.Registry, StringComparer.Ordinal).ThenBy(r => r.Repository, StringComparer.Ordinal)];
        _keys = Repositories.Select(r => Key(r.Registry, r.Repository)).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Registry host (as the proxy names its upstreams) and repository, sorted.</summary>
    public IReadOnlyList<(string Registry, string Repository)> Repositories { get; }

    public bool Allows(string registry, string repository) => _keys.Contains(Key(registry, repository));

    public override string ToString() =>
        Repositories.Count == 0 ? "(none)" : string.Join(", ", Repositories.Select(r => $"{r.Registry}/{r.Repository}"));

    private static string Key(string registry, string repository) => registry.ToLowerInvariant() + "/" + repository;
}
