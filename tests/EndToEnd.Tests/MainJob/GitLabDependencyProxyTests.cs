using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.MainJob;

/// <summary>
/// A GitLab job whose base image comes from the dependency proxy, named as GitLab's
/// <c>CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX</c> names it (<c>host:443/group/dependency_proxy/containers</c>):
/// the executor sends <c>ns=host:443</c>, and the proxy finds the dependency proxy's registry with its credentials.
/// </summary>
public sealed class GitLabDependencyProxyTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task Base_image_from_the_dependency_proxy_prefix_with_port_443_is_pulled_with_its_credentials()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var credentials = registry.Credentials!;
        await BaseImages.PushBusyboxAsync(registry, "group/dependency_proxy/containers/busybox", "latest", ImageFormat.Oci, _none);
        var environment = new Dictionary<string, string>
        {
            ["CI_REGISTRY"] = registry.Host,
            ["CI_REGISTRY_IMAGE"] = registry.Host + "/group/project",
            ["CI_REGISTRY_USER"] = credentials.Username,
            ["CI_REGISTRY_PASSWORD"] = credentials.Password,
            ["CREDPROXY_INSECURE_REGISTRIES"] = registry.Host,

            // gitlab.example stands for the GitLab host: only its endpoint is pointed at the local registry here,
            // the credentials are the dependency proxy's.
            ["CREDPROXY_REGISTRY_1_HOST"] = "gitlab.example",
            ["CREDPROXY_REGISTRY_1_ENDPOINT"] = $"http://{registry.Host}",
            ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example:443",
            ["CI_DEPENDENCY_PROXY_USER"] = credentials.Username,
            ["CI_DEPENDENCY_PROXY_PASSWORD"] = credentials.Password,
        };
        await using var proxy = await CredProxyProcess.StartAsync(environment, [], _none);
        using var work = TempDirectory.Create("dependency-proxy");

        var build = await Programs.RunExecutorAsync(
            [
                "--context", Path.Combine(Kaniko.TestKit.TestBed.RepoRoot, "examples", "hello"),
                "--destination", registry.Reference("group/project/app", "1.0"),
                "--build-arg", "BASE=gitlab.example:443/group/dependency_proxy/containers/busybox:latest",
                "--registry-proxy", proxy.Address.ToString(),
                "--root", work.Combine("root"),
                "--kaniko-dir", work.Combine("kaniko"),
            ],
            _none);

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}\nproxy:\n{proxy.Output}");
        Assert.Contains("Resolved gitlab.example:443/group/dependency_proxy/containers/busybox:latest", build.StandardError, StringComparison.Ordinal);

        // The explicit entry has no credentials of its own: they came from CI_DEPENDENCY_PROXY_USER/PASSWORD.
        Assert.Contains("Registry gitlab.example via http://" + registry.Host + " (CREDPROXY_REGISTRY_1_*), credentials: True", proxy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.Password, build.StandardOutput + build.StandardError + proxy.Output, StringComparison.Ordinal);
    }
}
