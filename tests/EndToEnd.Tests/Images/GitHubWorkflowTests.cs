using System.Text.RegularExpressions;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// deploy/github/build-image.yml without a GitHub runner: the service container from its image and
/// env, then the step's script run by bash as the runner runs it, with <c>docker</c> played by podman.
/// ghcr.io is the local registry: the proxy is told to reach it there (the only test-only setting);
/// the GITHUB_TOKEN it gets is that registry's password.
/// </summary>
[Collection(ProjectImagesCollection.Name)]
public sealed partial class GitHubWorkflowTests(ProjectImages images)
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_workflow_s_service_and_step_build_and_push_to_ghcr_through_the_proxy()
    {
        var registry = images.Registry;
        var credentials = images.Credentials;
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var workflow = DeployFiles.Load("github/build-image.yml", new Dictionary<string, string>
        {
            ["5050"] = port,
            ["0.0.0.0"] = "127.0.0.1",
        });
        Assert.Equal("write", workflow.Get("permissions").Text("packages"));
        var job = workflow.Get("jobs").Get("build");
        var service = job.Get("services").Get("credproxy");
        Assert.Equal([$"127.0.0.1:{port}:{port}"], service.Get("ports").Strings());
        var step = Assert.Single(job.Get("steps").Items(), s => s.Find("run") is not null);

        const string Sha = "0123456789abcdef0123456789abcdef01234567";
        var contexts = new Dictionary<string, string>
        {
            ["secrets.GITHUB_TOKEN"] = credentials.Password,
            ["github.actor"] = credentials.Username,
            ["github.repository"] = "Octo-Org/Hello",
            ["github.sha"] = Sha,
            ["vars.KANIKO_EXECUTOR_IMAGE"] = images.Executor,
            ["vars.KANIKO_CREDPROXY_IMAGE"] = images.CredProxy,
        };

        var serviceEnvironment = service.Get("env").Pairs().ToDictionary(p => p.Key, p => Evaluate(p.Value, contexts));
        Assert.Equal(credentials.Password, serviceEnvironment["GITHUB_TOKEN"]);
        serviceEnvironment["CREDPROXY_REGISTRY_1_HOST"] = "ghcr.io";
        serviceEnvironment["CREDPROXY_REGISTRY_1_ENDPOINT"] = $"http://{registry.Host}";
        serviceEnvironment["CREDPROXY_REGISTRY_1_INSECURE"] = "true";
        await using var proxy = await PodmanContainer.StartAsync(
            images.Podman,
            ["--network", "host", .. serviceEnvironment.SelectMany(p => new[] { "-e", $"{p.Key}={p.Value}" })],
            Evaluate(service.Text("image"), contexts),
            [],
            "credproxy listening on ",
            _none);

        // The runner: a checkout in the working directory, GITHUB_* variables, `docker` on PATH.
        using var work = TempDirectory.Create("github-job");
        var checkout = DeployFiles.HelloContext(work, "ghcr.io/library/busybox:latest");
        var shim = work.CreateSubdirectory("bin");
        var docker = Path.Combine(shim, "docker");
        await File.WriteAllTextAsync(docker, "#!/bin/sh\nexec podman \"$@\"\n");
        File.SetUnixFileMode(docker, (UnixFileMode)0b111_101_101);
        var environment = new Dictionary<string, string?>(images.Podman.Environment)
        {
            ["GITHUB_REPOSITORY"] = contexts["github.repository"],
            ["GITHUB_SHA"] = Sha,
            ["PATH"] = $"{shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        };
        var script = Evaluate(step.Text("run"), contexts);
        var build = await ProcessRunner.RunAsync(
            "bash",
            ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            new ProcessOptions { Environment = environment, WorkingDirectory = checkout, Timeout = TimeSpan.FromMinutes(5), CheckExitCode = false },
            _none);

        var output = build.StandardOutput + build.StandardError;
        Assert.True(build.ExitCode == 0, $"step failed:\n{output}\nproxy:\n{proxy.Output}");
        var destination = $"{registry.Host}/octo-org/hello:{Sha}";
        using var inspect = await Skopeo.InspectAsync(destination, credentials, _none);
        Assert.Contains($"ghcr.io/octo-org/hello:{Sha}@{inspect.RootElement.GetProperty("Digest").GetString()}", output, StringComparison.Ordinal);
        var run = await images.Podman.RunPodmanAsync(["run", "--rm", "--tls-verify=false", destination], checkExitCode: true, _none);
        Assert.Equal(DeployFiles.HelloOutput, run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(credentials.Password, output, StringComparison.Ordinal);
    }

    /// <summary>GitHub's <c>${{ a || 'b' }}</c> expressions, as far as the workflow uses them.</summary>
    private static string Evaluate(string text, IReadOnlyDictionary<string, string> contexts) =>
        Expression().Replace(text, m =>
        {
            foreach (var operand in m.Groups[1].Value.Split("||"))
            {
                var trimmed = operand.Trim();
                var value = trimmed.StartsWith('\'') ? trimmed.Trim('\'') : contexts.GetValueOrDefault(trimmed, "");
                if (value.Length > 0)
                {
                    return value;
                }
            }

            return "";
        });

    [GeneratedRegex(@"\$\{\{\s*(.+?)\s*\}\}")]
    private static partial Regex Expression();
}
