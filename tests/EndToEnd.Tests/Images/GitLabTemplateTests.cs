using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// deploy/gitlab/kaniko.gitlab-ci.yml run as a GitLab runner would run a job that extends
/// <c>.kaniko-build</c>: the service from its image with every job variable in its environment, the job
/// image with its entrypoint cleared and the script run by its shell, the variables expanded, the
/// service reachable by its alias. No GitLab runner here: podman plays its part.
/// </summary>
[Collection(ProjectImagesCollection.Name)]
public sealed class GitLabTemplateTests(ProjectImages images)
{
    private const string ProjectDirectory = "/builds/group/project";
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_template_s_job_builds_and_pushes_the_project_through_its_proxy_service()
    {
        var root = DeployFiles.Load("gitlab/kaniko.gitlab-ci.yml", new Dictionary<string, string>());
        var globals = root.Get("variables").Pairs();
        Assert.Equal($"{DeployFiles.PlaceholderRegistry}/kaniko-dotnet/executor:debug", globals["KANIKO_EXECUTOR_IMAGE"]);
        Assert.Equal($"{DeployFiles.PlaceholderRegistry}/kaniko-dotnet/credproxy:latest", globals["KANIKO_CREDPROXY_IMAGE"]);
        var job = root.Get(".kaniko-build");
        var image = job.Get("image");
        Assert.Equal([""], image.Get("entrypoint").Strings());
        var service = Assert.Single(job.Get("services").Items());
        Assert.Equal("credproxy", service.Text("alias"));
        var script = job.Get("script").Strings();

        var registry = images.Registry;
        var credentials = images.Credentials;
        var port = FreePort.Next();
        // What GitLab defines for the job, then the template's variables, then the project's job's own.
        var variables = new Dictionary<string, string>
        {
            ["CI"] = "true",
            ["GITLAB_CI"] = "true",
            ["CI_PROJECT_DIR"] = ProjectDirectory,
            ["CI_REGISTRY"] = registry.Host,
            ["CI_REGISTRY_USER"] = credentials.Username,
            ["CI_REGISTRY_PASSWORD"] = credentials.Password,
            ["CI_REGISTRY_IMAGE"] = $"{registry.Host}/group/project",
            ["CI_COMMIT_REF_SLUG"] = "main",
        };
        foreach (var (name, value) in globals.Concat(job.Get("variables").Pairs()))
        {
            variables[name] = value;
        }

        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["KANIKO_EXECUTOR_IMAGE"] = images.ExecutorDebug,
            ["KANIKO_CREDPROXY_IMAGE"] = images.CredProxy,
            ["KANIKO_EXTRA_ARGS"] = $"--build-arg BASE={images.Busybox}",
            // The Kubernetes executor's settings, as the template's comment gives them (loopback only here).
            ["CREDPROXY_LISTEN"] = $"127.0.0.1:{port}",
            ["CREDPROXY_ALLOW_NON_LOOPBACK"] = "false",
            ["KANIKO_PROXY_URL"] = $"http://credproxy:{port}",
            // The test registry speaks plain http.
            ["CREDPROXY_INSECURE_REGISTRIES"] = registry.Host,
        })
        {
            Assert.True(name.StartsWith("CREDPROXY_INSECURE", StringComparison.Ordinal) || variables.ContainsKey(name), $"the template does not define {name}");
            variables[name] = value;
        }

        var expanded = variables.ToDictionary(p => p.Key, p => DeployFiles.ExpandGitLab(p.Value, variables));
        var environment = expanded.SelectMany(p => new[] { "-e", $"{p.Key}={p.Value}" }).ToList();

        await using var proxy = await PodmanContainer.StartAsync(
            images.Podman,
            ["--network", "host", .. environment],
            DeployFiles.ExpandGitLab(service.Text("name"), expanded),
            service.Find("command")?.Strings() ?? [],
            "credproxy listening on ",
            _none);

        using var work = TempDirectory.Create("gitlab-job");
        var context = DeployFiles.HelloContext(work, baseImage: null);
        // The runner runs the script lines in the image's shell, stopping at the first failure; the last
        // line is this test's: the shell's /busybox must outlive the build (its volume is not mounted here).
        var shellScript = string.Join('\n', ["set -e", .. script, "test -x /busybox/sh && echo busybox-still-here"]);
        var jobRun = await images.Podman.RunPodmanAsync(
            [
                "run", "--rm", "--pull=never", "--network", "host", "--add-host", $"{service.Text("alias")}:127.0.0.1",
                "--image-volume", "ignore", "--entrypoint", image.Get("entrypoint").Strings()[0],
                "-v", $"{context}:{ProjectDirectory}", "-w", ProjectDirectory, .. environment,
                DeployFiles.ExpandGitLab(image.Text("name"), expanded),
                "/busybox/sh", "-c", shellScript,
            ],
            checkExitCode: false,
            _none);

        var output = jobRun.StandardOutput + jobRun.StandardError;
        Assert.True(jobRun.ExitCode == 0, $"job failed:\n{output}\nproxy:\n{proxy.Output}");
        Assert.Contains("busybox-still-here", jobRun.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Claimed the push capability", output, StringComparison.Ordinal);
        var destination = $"{registry.Host}/group/project:main";
        using var inspect = await Skopeo.InspectAsync(destination, credentials, _none);
        Assert.Contains($"{destination}@{inspect.RootElement.GetProperty("Digest").GetString()}", output, StringComparison.Ordinal);
        var run = await images.Podman.RunPodmanAsync(["run", "--rm", "--tls-verify=false", destination], checkExitCode: true, _none);
        Assert.Equal(DeployFiles.HelloOutput, run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(credentials.Password, output + proxy.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_proxy_s_push_allow_list_is_the_project_s_registry_image()
    {
        // The proxy takes CI_REGISTRY_IMAGE from the job variables: the template must not override it.
        var root = DeployFiles.Load("gitlab/kaniko.gitlab-ci.yml", new Dictionary<string, string>());
        var variables = root.Get(".kaniko-build").Get("variables").Pairs();
        Assert.DoesNotContain(variables.Keys, k => k.StartsWith("CI_", StringComparison.Ordinal));
        Assert.Equal("$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG", variables["KANIKO_DESTINATION"]);
    }
}
