namespace Kaniko.CredProxy.Policy;

/// <summary>What the policy says about one request: the scopes it needs, or why it is refused.</summary>
public sealed record AccessDecision(IReadOnlyList<Scope> Scopes, string? Refusal)
{
    public bool Allowed => Refusal is null;

    public static AccessDecision Allow(IEnumerable<Scope> scopes) => new(Scope.Normalize(scopes), null);

    public static AccessDecision Refuse(string reason) => new([], reason);
}
