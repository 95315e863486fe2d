namespace Kaniko.TestKit;

/// <summary>
/// Decides which actions of a requested scope a token grants. <paramref name="subject"/> is the
/// authenticated user, or null for an anonymous request. Return an empty list to grant nothing.
/// </summary>
public delegate IReadOnlyList<string> TokenPolicy(string? subject, TokenScope requested);

/// <summary>Ready-made <see cref="TokenPolicy"/> values.</summary>
public static class TokenPolicies
{
    /// <summary>Authenticated users get every requested action; anonymous requests get nothing.</summary>
    public static TokenPolicy AuthenticatedFullAccess { get; } =
        (subject, requested) => subject is null ? [] : requested.Actions;

    /// <summary>Anonymous requests may pull; authenticated users get everything.</summary>
    public static TokenPolicy AnonymousPull { get; } =
        (subject, requested) => subject is null
            ? requested.Actions.Where(a => a == "pull").ToArray()
            : requested.Actions;

    /// <summary>Everyone, authenticated or not, may only pull.</summary>
    public static TokenPolicy PullOnly { get; } =
        (_, requested) => requested.Actions.Where(a => a == "pull").ToArray();

    /// <summary>Nothing is ever granted (tokens are issued, but empty).</summary>
    public static TokenPolicy DenyAll { get; } = (_, _) => [];

    /// <summary>Authenticated users get every action on the given repositories only.</summary>
    public static TokenPolicy Repositories(params string[] names) =>
        (subject, requested) => subject is not null && requested.Type == "repository" && names.Contains(requested.Name)
            ? requested.Actions
            : [];
}
