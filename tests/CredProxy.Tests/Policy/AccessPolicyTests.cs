using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Tests.Policy;

public sealed class AccessPolicyTests
{
    private static readonly UpstreamOptions _open = new() { Host = "reg", Endpoint = new Uri("https://reg") };

    private static readonly UpstreamOptions _strict = _open with
    {
        Pull = [Pattern("base/*"), Pattern("tools")],
        Push = [Pattern("team/app"), Pattern("team/app/*")],
    };

    private static RepositoryPattern Pattern(string text) => RepositoryPattern.TryParse(text, out var p) ? p! : throw new ArgumentException(text);

    private static AccessDecision Decide(UpstreamOptions upstream, string method, string path, string? from = null, bool mount = false) =>
        AccessPolicy.Decide(upstream, method, RegistryPath.Parse(path), from, mount);

    [Theory]
    [InlineData("GET", "a/b/manifests/v1", "repository:a/b:pull")]
    [InlineData("HEAD", "a/blobs/sha256:00", "repository:a:pull")]
    [InlineData("GET", "a/tags/list", "repository:a:pull")]
    [InlineData("GET", "a/referrers/sha256:00", "repository:a:pull")]
    [InlineData("POST", "a/blobs/uploads/", "repository:a:pull,push")]
    [InlineData("PATCH", "a/blobs/uploads/u1", "repository:a:pull,push")]
    [InlineData("PUT", "a/blobs/uploads/u1", "repository:a:pull,push")]
    [InlineData("GET", "a/blobs/uploads/u1", "repository:a:pull,push")]
    [InlineData("PUT", "a/manifests/v1", "repository:a:pull,push")]
    [InlineData("DELETE", "a/blobs/uploads/u1", "repository:a:pull,push")]
    public void Predicts_scopes_from_method_and_path(string method, string path, string scopes) =>
        Assert.Equal(scopes, Scope.Describe(Decide(_open, method, path).Scopes));

    [Fact]
    public void Mount_adds_pull_on_the_source() =>
        Assert.Equal("repository:a/dst:pull,push repository:b/src:pull", Scope.Describe(Decide(_open, "POST", "a/dst/blobs/uploads/", "b/src", mount: true).Scopes));

    [Theory]
    [InlineData("DELETE", "a/manifests/sha256:00", "DELETE")]
    [InlineData("DELETE", "a/blobs/sha256:00", "DELETE")]
    [InlineData("GET", "_catalog", "_catalog")]
    [InlineData("PUT", "a/blobs/sha256:00", "not allowed")]
    [InlineData("POST", "a/manifests/v1", "not allowed")]
    [InlineData("GET", "a/whatever/x", "not a registry API path")]
    public void Refuses_what_the_proxy_never_forwards(string method, string path, string reason) =>
        Assert.Contains(reason, Decide(_open, method, path).Refusal, StringComparison.Ordinal);

    [Theory]
    [InlineData("GET", "base/alpine/manifests/3", null, true)]
    [InlineData("GET", "tools/manifests/1", null, true)]
    [InlineData("GET", "tools/sub/manifests/1", null, false)]
    [InlineData("GET", "base/manifests/1", null, false)]
    [InlineData("GET", "other/manifests/1", null, false)]
    [InlineData("GET", "team/app/manifests/1", null, true)]
    [InlineData("POST", "team/app/blobs/uploads/", null, true)]
    [InlineData("POST", "team/app/cache/blobs/uploads/", null, true)]
    [InlineData("PUT", "team/app/manifests/v1", null, true)]
    [InlineData("PUT", "team/other/manifests/v1", null, false)]
    [InlineData("PATCH", "team/other/blobs/uploads/u", null, false)]
    [InlineData("POST", "base/alpine/blobs/uploads/", null, false)]
    [InlineData("POST", "team/app/blobs/uploads/", "base/alpine", true)]
    [InlineData("POST", "team/app/blobs/uploads/", "secret/repo", false)]
    public void Applies_pull_and_push_allow_lists(string method, string path, string? mountFrom, bool allowed) =>
        Assert.Equal(allowed, Decide(_strict, method, path, mountFrom, mountFrom is not null).Allowed);

    [Theory]
    [InlineData("POST", "team/app/blobs/uploads/", true)]
    [InlineData("PUT", "team/app/manifests/v1", true)]
    [InlineData("PATCH", "team/app/blobs/uploads/u", true)]
    [InlineData("POST", "team/app/cache/blobs/uploads/", false)]
    [InlineData("PUT", "team/other/manifests/v1", false)]
    [InlineData("GET", "team/app/manifests/v1", true)]
    public void Declared_repositories_narrow_pushes(string method, string path, bool allowed)
    {
        var declared = new PushDeclaration([("reg", "team/app")]);
        var decision = AccessPolicy.Decide(_open, method, RegistryPath.Parse(path), null, false, declared);
        Assert.Equal(allowed, decision.Allowed);
        if (!allowed)
        {
            Assert.Contains("the build declared only reg/team/app", decision.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Declared_repositories_may_be_pulled_where_the_pull_allow_list_is_narrower()
    {
        var pullOnlyBase = _open with { Pull = [Pattern("base/*")] };
        var declared = new PushDeclaration([("reg", "team/app")]);
        Assert.True(AccessPolicy.Decide(pullOnlyBase, "HEAD", RegistryPath.Parse("team/app/blobs/sha256:00"), null, false, declared).Allowed);
        Assert.False(AccessPolicy.Decide(pullOnlyBase, "HEAD", RegistryPath.Parse("team/app/blobs/sha256:00"), null, false, null).Allowed);
        Assert.True(AccessPolicy.Decide(pullOnlyBase, "POST", RegistryPath.Parse("team/app/blobs/uploads/"), null, false, declared).Allowed);
    }

    [Theory]
    [InlineData("*", "anything/at/all", true)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/bc", false)]
    [InlineData("a/b/*", "a/b", false)]
    [InlineData("a/b/*", "a/b/c/d", true)]
    [InlineData("a/b/*", "a/bc/d", false)]
    public void Patterns_match_names(string pattern, string name, bool matches) =>
        Assert.Equal(matches, Pattern(pattern).Matches(name));

    [Theory]
    [InlineData("A/b")]
    [InlineData("a//b")]
    [InlineData("a/**")]
    [InlineData("")]
    public void Bad_patterns_are_rejected(string text) => Assert.False(RepositoryPattern.TryParse(text, out _));
}
