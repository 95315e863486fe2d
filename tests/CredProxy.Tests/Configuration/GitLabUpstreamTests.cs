using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Configuration;

/// <summary>A real htpasswd registry that, like GitLab's, accepts user <c>gitlab-ci-token</c> with the job token.</summary>
public sealed class GitLabRegistryFixture : IAsyncLifetime
{
    public const string JobToken = "job-Token-glcbt-4711";

    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Registry = await RegistryProcess.StartHtpasswdAsync(EnvironmentUpstreams.JobTokenUser, JobToken, cts.Token);
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

/// <summary>GitLab CI variables end to end: the job token as credential, the dependency proxy as a pull-only registry.</summary>
public sealed class GitLabUpstreamTests(GitLabRegistryFixture fixture) : IClassFixture<GitLabRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    private RegistryProcess Registry => fixture.Registry;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartProxyAsync(Dictionary<string, string> env) =>
        ProxyServer.StartAsync(ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), env, new Dictionary<string, string>(), _ => null), Ct);

    /// <summary>Puts a blob into the registry through a proxy configured directly with the job token.</summary>
    private async Task<(string Digest, byte[] Data)> SeedAsync(string repository)
    {
        var data = Guid.NewGuid().ToByteArray();
        await using var seeder = await ProxyServer.StartAsync(
            new ProxyOptions { RequirePushToken = false, Upstreams = [ProxyServer.Upstream(Registry, EnvironmentUpstreams.JobTokenUser, GitLabRegistryFixture.JobToken)] },
            Ct);
        return (await new OciClient(seeder.Client, null, null).PushBlobAsync(repository, data, Ct), data);
    }

    private static async Task<HttpResponseMessage> ClaimAsync(ProxyServer proxy, string destination, CancellationToken ct) =>
        await proxy.Client.PostAsJsonAsync("/_kaniko/session", new { push = new[] { destination } }, ct);

    [Fact]
    public async Task Job_token_alone_pushes_to_the_project_and_pulls()
    {
        await using var proxy = await StartProxyAsync(new()
        {
            ["CI_REGISTRY"] = Registry.Host,
            ["CI_REGISTRY_IMAGE"] = Registry.Host + "/group/project",
            ["CI_JOB_TOKEN"] = GitLabRegistryFixture.JobToken,
            ["CREDPROXY_INSECURE_REGISTRIES"] = Registry.Host,
        });
        using var claim = await ClaimAsync(proxy, Registry.Host + "/group/project", Ct);
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        var token = (await claim.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pushToken").GetString()!;
        TestSecrets.Add(token);
        var oci = new OciClient(proxy.Client, Registry.Host, token);
        var digest = await oci.PushBlobAsync("group/project", [4, 7, 1, 1], Ct);
        Assert.Equal([4, 7, 1, 1], await oci.GetAsync($"/v2/group/project/blobs/{digest}", Ct));
    }

    [Fact]
    public async Task Dependency_proxy_pulls_and_refuses_pushes()
    {
        var (digest, data) = await SeedAsync("group/dependency_proxy/containers/alpine");
        await using var proxy = await StartProxyAsync(new()
        {
            ["CI_DEPENDENCY_PROXY_SERVER"] = Registry.Host,
            ["CI_DEPENDENCY_PROXY_USER"] = EnvironmentUpstreams.JobTokenUser,
            ["CI_DEPENDENCY_PROXY_PASSWORD"] = GitLabRegistryFixture.JobToken,
            ["CREDPROXY_INSECURE_REGISTRIES"] = Registry.Host,
        });
        var oci = new OciClient(proxy.Client, Registry.Host, null);
        Assert.Equal(data, await oci.GetAsync($"/v2/group/dependency_proxy/containers/alpine/blobs/{digest}", Ct));

        using var claim = await ClaimAsync(proxy, Registry.Host + "/group/dependency_proxy/containers/alpine", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, claim.StatusCode);
        Assert.Contains("(CI_DEPENDENCY_PROXY_SERVER: no pushes, pull-only)", await claim.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_prefix_host_with_port_443_finds_the_dependency_proxy()
    {
        // GitLab's CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX is e.g. gitlab.example:443/group/dependency_proxy/containers,
        // and the executor sends the image's registry part unchanged as ns=. The explicit registry entry only
        // points gitlab.example at the local registry; the credentials come from the dependency proxy's job token.
        var (digest, data) = await SeedAsync("group/dependency_proxy/containers/busybox");
        await using var proxy = await StartProxyAsync(new()
        {
            ["CREDPROXY_REGISTRY_1_HOST"] = "gitlab.example",
            ["CREDPROXY_REGISTRY_1_ENDPOINT"] = Registry.Endpoint.ToString(),
            ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example:443",
            ["CI_JOB_TOKEN"] = GitLabRegistryFixture.JobToken,
            ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
        });
        foreach (var ns in new[] { "gitlab.example:443", "gitlab.example" })
        {
            var oci = new OciClient(proxy.Client, ns, null);
            Assert.Equal(data, await oci.GetAsync($"/v2/group/dependency_proxy/containers/busybox/blobs/{digest}", Ct));
        }

        using var other = await proxy.Client.GetAsync($"/v2/group/dependency_proxy/containers/busybox/blobs/{digest}?ns=gitlab.example:8443", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(other, "gitlab.example:8443");
    }
}
