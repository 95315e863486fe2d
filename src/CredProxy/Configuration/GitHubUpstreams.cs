namespace Kaniko.CredProxy.Configuration;

/// <summary>
/// GitHub Actions: <c>GITHUB_TOKEN</c> and <c>GITHUB_ACTOR</c> give credentials for ghcr.io; pushes are
/// limited to <c>GITHUB_REPOSITORY</c> (lower-cased) and below.
/// </summary>
internal static class GitHubUpstreams
{
    public const string Host = "ghcr.io";

    public static IEnumerable<UpstreamDraft> Read(IReadOnlyDictionary<string, string> env)
    {
        if (!env.TryGetValue("GITHUB_TOKEN", out var token) || token.Length == 0
            || !env.TryGetValue("GITHUB_ACTOR", out var actor) || actor.Length == 0)
        {
            yield break;
        }

        var repository = env.GetValueOrDefault("GITHUB_REPOSITORY")?.Trim().ToLowerInvariant();
        yield return new UpstreamDraft
        {
            SettingName = field => field switch
            {
                "Username" => "GITHUB_ACTOR",
                "Password" => "GITHUB_TOKEN",
                "Push" => "GITHUB_REPOSITORY",
                _ => "GITHUB_TOKEN " + field,
            },
            Source = "GITHUB_TOKEN",
            Host = Host,
            Username = actor,
            Password = token,
            Push = string.IsNullOrEmpty(repository) ? null : [repository, repository + "/*"],
            IsFallback = true,
        };
    }
}
