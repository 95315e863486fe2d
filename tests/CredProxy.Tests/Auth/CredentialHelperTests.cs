using System.Net;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>Docker config credential helpers, run by the proxy itself, against a real registry.</summary>
public sealed class CredentialHelperTests(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("credproxy-helper-");

    private CancellationToken Ct => _cts.Token;

    public void Dispose()
    {
        _cts.Dispose();
        _dir.Delete(recursive: true);
    }

    private ProxyOptions Options(string helperBody)
    {
        var helper = Path.Combine(_dir.FullName, "docker-credential-test");
        File.WriteAllText(helper, "#!/bin/sh\n" + helperBody);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var config = Path.Combine(_dir.FullName, "config.json");
        File.WriteAllText(config, "{\"credHelpers\": {\"" + fixture.Registry.Host + "\": \"test\"}}");
        var options = ProxyOptionsLoader.Load(
            new ConfigurationBuilder().Build(),
            new Dictionary<string, string>
            {
                ["CREDPROXY_DOCKER_CONFIG"] = config,
                ["CREDPROXY_INSECURE_REGISTRIES"] = fixture.Registry.Host,
                ["CREDPROXY_REGISTRY_1_HOST"] = fixture.Registry.Host,
                ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
                ["PATH"] = _dir.FullName,
            },
            new Dictionary<string, string>(),
            File.ReadAllText);
        return options with { RequirePushToken = false };
    }

    [Fact]
    public async Task Helper_answer_is_used_and_kept()
    {
        var calls = Path.Combine(_dir.FullName, "calls");
        var options = Options($$"""
            [ "$1" = get ] || exit 3
            read server
            echo "$server" >> {{calls}}
            printf '{"ServerURL":"%s","Username":"{{HtpasswdRegistryFixture.User}}","Secret":"{{HtpasswdRegistryFixture.Password}}"}' "$server"
            """);
        await using var proxy = await ProxyServer.StartAsync(options, Ct);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("helper/app", [4, 2], Ct);
        Assert.Equal([4, 2], await oci.GetAsync($"/v2/helper/app/blobs/{digest}", Ct));
        Assert.Equal([fixture.Registry.Host], File.ReadAllLines(calls));
        Assert.DoesNotContain(HtpasswdRegistryFixture.Password, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failing_helper_means_anonymous_and_a_403()
    {
        var options = Options("echo 'credentials not found in native keychain secret-ish'\nexit 1\n");
        await using var proxy = await ProxyServer.StartAsync(options, Ct);
        using var response = await proxy.Client.GetAsync("/v2/helper/app/tags/list", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:helper/app:pull");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[205]", StringComparison.Ordinal) && l.Contains("exit code 1", StringComparison.Ordinal));
        Assert.DoesNotContain("secret-ish", proxy.Logs.All, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
