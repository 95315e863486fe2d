using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class BaseImageTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Theory]
    [InlineData(ImageFormat.Oci, "application/vnd.oci.image.config.v1+json")]
    [InlineData(ImageFormat.V2s2, "application/vnd.docker.container.image.v1+json")]
    public async Task Busybox_is_pushed_in_the_requested_format_and_readable_with_credentials(
        ImageFormat format, string configMediaType)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);

        var reference = await BaseImages.PushBusyboxAsync(registry, "base/busybox", "1", format, Ct);
        using var manifest = await Skopeo.InspectRawAsync(reference, registry.Credentials, Ct);
        using var config = await Skopeo.InspectConfigAsync(reference, registry.Credentials, Ct);

        Assert.Equal($"{registry.Host}/base/busybox:1", reference);
        Assert.Equal(["1"], await Skopeo.ListTagsAsync($"{registry.Host}/base/busybox", registry.Credentials, Ct));
        // umoci writes OCI manifests without the optional top-level mediaType; the config's tells the format.
        Assert.Equal(configMediaType, manifest.RootElement.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray());
        var root = config.RootElement;
        Assert.Equal("amd64", root.GetProperty("architecture").GetString());
        Assert.Equal("linux", root.GetProperty("os").GetString());
        Assert.Equal(["/bin/sh"], root.GetProperty("config").GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            root.GetProperty("config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Skopeo_with_wrong_credentials_is_refused()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);
        var reference = await BaseImages.PushBusyboxAsync(registry, "busybox", "latest", ImageFormat.Oci, Ct);

        var wrong = await Skopeo.TryInspectAsync(reference, new RegistryCredentials(registry.Username!, "nope"), Ct);
        var none = await Skopeo.TryInspectAsync(reference, null, Ct);

        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("unauthorized", wrong.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(0, none.ExitCode);
    }

    [Fact]
    public async Task Token_registry_lets_skopeo_push_and_pull_with_good_credentials_only()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Token, Ct);
        var issuer = registry.TokenIssuer!;

        var reference = await BaseImages.PushBusyboxAsync(registry, "team/busybox", "1", ImageFormat.Oci, Ct);
        using var summary = await Skopeo.InspectAsync(reference, registry.Credentials, Ct);
        var requests = issuer.Requests;
        issuer.ClearRequests();
        var bad = await Skopeo.TryInspectAsync(reference, new RegistryCredentials(registry.Username!, "bad"), Ct);

        Assert.Equal("amd64", summary.RootElement.GetProperty("Architecture").GetString());
        Assert.Contains(requests, r => r.Authenticated && r.GrantedScopes.Any(
            s => s.Name == "team/busybox" && s.Actions.Contains("push")));
        Assert.All(requests, r => Assert.Equal(registry.Options.Service, r.Service));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains(issuer.Requests, r => r.StatusCode == 401 && r.Username == registry.Username);
    }

    [Fact]
    public async Task Token_policy_pull_only_refuses_a_push()
    {
        await using var registry = await RegistryServer.StartAsync(
            new RegistryServerOptions { Mode = RegistryAuthMode.Token, TokenPolicy = TokenPolicies.PullOnly }, Ct);
        var layout = await BaseImages.BusyboxLayoutAsync(Ct);

        var push = await Skopeo.CopyAsync(
            layout,
            registry.Reference("busybox", "1"),
            new SkopeoCopyOptions { DestinationCredentials = registry.Credentials, CheckExitCode = false },
            Ct);

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains(registry.TokenIssuer!.Requests, r => r.RequestedScopes.Any(s => s.Actions.Contains("push")));
        Assert.DoesNotContain(registry.TokenIssuer.Requests, r => r.GrantedScopes.Any(s => s.Actions.Contains("push")));
    }

    [Fact]
    public async Task Busybox_index_lists_amd64_and_arm64_and_each_image_has_its_architecture()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, Ct);

        var reference = await BaseImages.PushBusyboxIndexAsync(registry, "multi/busybox", "1", ImageFormat.Oci, Ct);
        using var index = await Skopeo.InspectRawAsync(reference, registry.Credentials, Ct);

        Assert.Equal("application/vnd.oci.image.index.v1+json", index.RootElement.GetProperty("mediaType").GetString());
        var manifests = index.RootElement.GetProperty("manifests").EnumerateArray().ToArray();
        Assert.Equal(
            ["amd64", "arm64"],
            manifests.Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));
        var arm64 = manifests[1].GetProperty("digest").GetString();
        using var arm64Config = await Skopeo.InspectConfigAsync(
            $"{registry.Host}/multi/busybox@{arm64}", registry.Credentials, Ct);
        Assert.Equal("arm64", arm64Config.RootElement.GetProperty("architecture").GetString());
    }

    [OptInFact("KANIKO_TEST_DEBIAN")]
    public async Task Debian_minbase_runs_in_podman()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        var reference = await BaseImages.PushDebianAsync(registry, "debian", "bookworm", ImageFormat.V2s2, Ct);
        using var podman = Podman.For(registry);

        var result = await podman.RunAsync(reference, ["cat", "/etc/debian_version"], null, Ct);
        var image = await ImageValidator.ValidateAsync(reference, null, Ct);

        Assert.StartsWith("12.", result.StandardOutput, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(image.Layers).Find("usr/bin/apt-get"));
    }
}
