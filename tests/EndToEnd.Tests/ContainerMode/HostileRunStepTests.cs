using System.Text;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.ContainerMode;

/// <summary>
/// SECURITY.md promises 1 to 3 against a hostile RUN step: it runs as root in the executor's container,
/// reads what it can and talks to the proxy on localhost. It must find no secret and get no push through.
/// </summary>
public sealed class HostileRunStepTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task A_hostile_run_step_finds_no_secret_and_cannot_push_through_the_proxy()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var credentials = registry.Credentials!;
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        await using var proxy = await CredProxyProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["CI_REGISTRY"] = registry.Host,
                ["CI_REGISTRY_USER"] = credentials.Username,
                ["CI_REGISTRY_PASSWORD"] = credentials.Password,
                ["CI_REGISTRY_IMAGE"] = registry.Host + "/team/app",
                ["CREDPROXY_INSECURE_REGISTRIES"] = registry.Host,
            },
            [],
            _none);
        using var work = TempDirectory.Create("hostile");
        var imageRoot = await ExecutorContainer.CreateImageRootAsync(work, new Dictionary<string, string>(), _none);
        var context = work.CreateSubdirectory("context");
        var proxyAddress = $"{proxy.Address.Host}:{proxy.Address.Port}";
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $$"""
            FROM {{baseImage}}
            RUN mkdir /probe; \
                cat /proc/1/environ > /probe/pid1-environ 2>&1; echo $? > /probe/pid1-environ.rc; \
                head -c 65536 /proc/1/mem > /probe/pid1-mem 2>&1; echo $? > /probe/pid1-mem.rc; \
                env > /probe/env; ls -laR /kaniko > /probe/kaniko-listing 2>&1; \
                wget -q -O /probe/session --post-data= http://{{proxyAddress}}/_kaniko/session 2>/probe/session.err; echo $? > /probe/session.rc; \
                wget -q -O /probe/upload --post-data= "http://{{proxyAddress}}/v2/team/app/blobs/uploads/?ns={{registry.Host}}" 2>/probe/upload.err; echo $? > /probe/upload.rc; \
                wget -q -O /probe/other --post-data= "http://{{proxyAddress}}/v2/other/repo/blobs/uploads/?ns={{registry.Host}}" 2>/probe/other.err; echo $? > /probe/other.rc; \
                true
            """);
        var destination = registry.Reference("team/app", "1");

        var build = await ExecutorContainer.RunAsync(
            imageRoot, context, ["--destination", destination, "--registry-proxy", proxy.Address.ToString()],
            new Dictionary<string, string>(), _none, scratchDirectory: work.Combine("sandbox"));

        Assert.True(build.ExitCode == 0, $"executor failed:\n{build.StandardOutput}\n{build.StandardError}\nproxy:\n{proxy.Output}");
        var unpacked = await Umoci.UnpackAsync(destination, credentials, work.CreateSubdirectory("umoci"), _none);
        string Probe(string name) => File.ReadAllText(Path.Combine(unpacked.RootfsDirectory, "probe", name)).Trim();

        // The executor is non-dumpable, so its memory (where the push capability lives) is closed to the step.
        // Its environ may still be readable (this machine's kernel allows it): it holds nothing secret anyway,
        // which the scan below checks, the step's copy of it included.
        Assert.NotEqual("0", Probe("pid1-mem.rc"));
        Assert.NotEqual("0", Probe("session.rc"));
        Assert.NotEqual("0", Probe("upload.rc"));
        Assert.NotEqual("0", Probe("other.rc"));
        Assert.Contains("403", Probe("session.err"), StringComparison.Ordinal);

        // Nowhere the step could look: its probes (in the image), the container's disk, the logs.
        var secret = Encoding.UTF8.GetBytes(credentials.Password);
        AssertNoFileContains(unpacked.RootfsDirectory, secret);
        AssertNoFileContains(work.Combine("sandbox"), secret);
        Assert.DoesNotContain(credentials.Password, build.StandardOutput + build.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.Password, proxy.Output, StringComparison.Ordinal);
    }

    private static void AssertNoFileContains(string directory, byte[] secret)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var file in Directory.EnumerateFiles(directory, "*", options))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null || info.Length > 64 << 20 || (info.UnixFileMode & UnixFileMode.UserRead) == 0 && info.Length == 0)
            {
                continue;
            }

            byte[] content;
            try
            {
                content = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue;
            }

            Assert.True(content.AsSpan().IndexOf(secret) < 0, $"the secret is in {file}");
        }
    }
}
