using System.Security.Cryptography;
using System.Text.Json;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Publishing;

/// <summary>
/// <c>executor index</c> against docker-registry with real amd64 and arm64 busybox images, checked with
/// skopeo (<c>inspect --raw</c>, <c>copy --override-arch</c>).
/// </summary>
public sealed class IndexCommandTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Theory]
    [InlineData(ImageFormat.Oci, "application/vnd.oci.image.index.v1+json")]
    [InlineData(ImageFormat.V2s2, "application/vnd.docker.distribution.manifest.list.v2+json")]
    public async Task Lists_per_platform_images_under_one_tag_that_skopeo_resolves_per_architecture(ImageFormat format, string expectedMediaType)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var amd64 = await BaseImages.PushBusyboxAsync(registry, "team/app", "1-amd64", format, "amd64", _none);
        var arm64 = await BaseImages.PushBusyboxAsync(registry, "team/app", "1-arm64", format, "arm64", _none);
        using var work = TempDirectory.Create("index");
        var destination = registry.Reference("team/app", "1");

        var result = await Programs.RunExecutorAsync(
            ["index", "--destination", destination, amd64, arm64, "--insecure", "--digest-file", work.Combine("digest"),
                "--image-name-tag-with-digest-file", work.Combine("names")],
            _none);

        Assert.True(result.ExitCode == 0, $"executor index failed:\n{result.StandardError}");
        using var raw = await Skopeo.InspectRawAsync(destination, null, _none);
        var index = raw.RootElement;
        Assert.Equal(expectedMediaType, index.GetProperty("mediaType").GetString());
        var manifests = index.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal(2, manifests.Count);
        Assert.Equal(["amd64", "arm64"], manifests.Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));
        Assert.All(manifests, m => Assert.Equal("linux", m.GetProperty("platform").GetProperty("os").GetString()));
        Assert.Equal(await DigestOfAsync(amd64), manifests[0].GetProperty("digest").GetString());
        Assert.Equal(await DigestOfAsync(arm64), manifests[1].GetProperty("digest").GetString());

        // The digest files name the index as the registry serves it.
        var digest = File.ReadAllText(work.Combine("digest"));
        var served = await RawDigestAsync(registry, "team/app", "1");
        Assert.Equal(served, digest);
        Assert.Equal($"{destination}@{digest}\n", File.ReadAllText(work.Combine("names")));

        foreach (var architecture in new[] { "amd64", "arm64" })
        {
            var layout = work.Combine($"copy-{architecture}");
            await Skopeo.CopyAsync(destination, $"oci:{layout}:x", new SkopeoCopyOptions { OverrideArch = architecture }, _none);
            var config = ReadLayoutConfig(layout);
            Assert.Equal(architecture, config.RootElement.GetProperty("architecture").GetString());
        }
    }

    [Fact]
    public async Task Copies_manifests_from_other_repositories_and_takes_the_manifests_of_an_index_source()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var multi = await BaseImages.PushBusyboxIndexAsync(registry, "build/multi", "1", ImageFormat.Oci, _none);
        using var work = TempDirectory.Create("index-copy");
        var destination = registry.Reference("release/app", "2");

        var result = await Programs.RunExecutorAsync(["index", "-d", destination, "-d", registry.Reference("release/app", "latest"), multi, "--insecure", "--annotation", "org.opencontainers.image.version=2"], _none);

        Assert.True(result.ExitCode == 0, $"executor index failed:\n{result.StandardError}");
        using var raw = await Skopeo.InspectRawAsync(destination, null, _none);
        Assert.Equal("application/vnd.oci.image.index.v1+json", raw.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal("2", raw.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.version").GetString());
        using var source = await Skopeo.InspectRawAsync(multi, null, _none);
        var expected = source.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()).ToList();
        var listed = raw.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()).ToList();
        Assert.Equal(expected, listed);
        Assert.Equal(await RawDigestAsync(registry, "release/app", "2"), await RawDigestAsync(registry, "release/app", "latest"));

        // Each listed manifest, its config and layers now live in release/app (mounted, not uploaded again), without a tag of their own.
        Assert.Contains("Mounted blob", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Uploaded blob", result.StandardError, StringComparison.Ordinal);
        foreach (var child in listed)
        {
            var copy = work.Combine("child-" + child![^8..]);
            await Skopeo.CopyAsync($"{registry.Host}/release/app@{child}", $"oci:{copy}:x", _none);
        }

        Assert.Equal(["2", "latest"], (await Skopeo.ListTagsAsync($"{registry.Host}/release/app", null, _none)).Order());
    }

    [Fact]
    public async Task Refuses_two_images_for_one_platform_and_pushes_nothing()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var amd64 = await BaseImages.PushBusyboxAsync(registry, "team/app", "1-amd64", ImageFormat.Oci, "amd64", _none);
        var other = await BaseImages.PushBusyboxUmociInsertAsync(registry, "team/app", "other-amd64", ImageFormat.Oci, _none);
        var destination = registry.Reference("team/app", "1");

        var result = await Programs.RunExecutorAsync(["index", "--destination", destination, amd64, other, "--insecure"], _none);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("linux/amd64", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(amd64, result.StandardError, StringComparison.Ordinal);
        Assert.Contains(other, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("1", await Skopeo.ListTagsAsync($"{registry.Host}/team/app", null, _none));
    }

    [Fact]
    public async Task Works_through_the_credential_proxy_with_its_push_capability()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var credentials = registry.Credentials!;
        var amd64 = await BaseImages.PushBusyboxAsync(registry, "ci/app-amd64", "7", ImageFormat.V2s2, "amd64", _none);
        var arm64 = await BaseImages.PushBusyboxAsync(registry, "ci/app-arm64", "7", ImageFormat.V2s2, "arm64", _none);
        await using var proxy = await CredProxyProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["CI_REGISTRY"] = registry.Host,
                ["CI_REGISTRY_USER"] = credentials.Username,
                ["CI_REGISTRY_PASSWORD"] = credentials.Password,
                ["CREDPROXY_INSECURE_REGISTRIES"] = registry.Host,
            },
            [],
            _none);
        var destination = registry.Reference("ci/app", "7");

        var result = await Programs.RunExecutorAsync(["index", "--destination", destination, amd64, arm64, "--registry-proxy", proxy.Address.ToString()], _none);

        Assert.True(result.ExitCode == 0, $"executor index failed:\n{result.StandardError}\nproxy:\n{proxy.Output}");
        Assert.Contains("Mounted blob", result.StandardError, StringComparison.Ordinal);
        using var raw = await Skopeo.InspectRawAsync(destination, credentials, _none);
        Assert.Equal("application/vnd.docker.distribution.manifest.list.v2+json", raw.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal(2, raw.RootElement.GetProperty("manifests").GetArrayLength());
        Assert.DoesNotContain(credentials.Password, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<string> DigestOfAsync(string reference)
    {
        using var inspect = await Skopeo.InspectAsync(reference, null, _none);
        return inspect.RootElement.GetProperty("Digest").GetString()!;
    }

    /// <summary>The sha256 of the manifest bytes the registry serves for a tag (what clients verify).</summary>
    private static async Task<string> RawDigestAsync(RegistryServer registry, string repository, string tag)
    {
        using var http = registry.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUri, $"v2/{repository}/manifests/{tag}"));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.list.v2+json");
        using var response = await http.SendAsync(request, _none);
        response.EnsureSuccessStatusCode();
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync(_none)));
    }

    private static JsonDocument ReadLayoutConfig(string layout)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")));
        var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", manifestDigest["sha256:".Length..])));
        var configDigest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        return JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", configDigest["sha256:".Length..])));
    }
}
