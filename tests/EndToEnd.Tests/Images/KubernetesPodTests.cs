using System.Text;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// deploy/k8s/build-pod.yaml without a cluster: its two containers run with podman as the kubelet would
/// start them (image, args, mounts, the proxy's security context, a shared loopback), the proxy first
/// and ready by its probe. The registry secret becomes a docker config file mounted read-only.
/// </summary>
[Collection(ProjectImagesCollection.Name)]
public sealed class KubernetesPodTests(ProjectImages images)
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task The_pod_s_containers_build_and_push_through_the_sidecar()
    {
        var registry = images.Registry;
        var credentials = images.Credentials;
        var port = FreePort.Next();
        var metricsPort = FreePort.Next();
        var pod = DeployFiles.Load("k8s/build-pod.yaml", new Dictionary<string, string>
        {
            [DeployFiles.PlaceholderRegistry] = registry.Host,
            ["5050"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["9090"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal("Pod", pod.Text("kind"));
        var spec = pod.Get("spec");
        Assert.Equal("Never", spec.Text("restartPolicy"));
        var sidecar = Assert.Single(spec.Get("initContainers").Items());
        Assert.Equal("Always", sidecar.Text("restartPolicy"));
        var executor = Assert.Single(spec.Get("containers").Items());
        var volumes = spec.Get("volumes").Items().ToDictionary(v => v.Text("name"));

        // The secret: a docker config.json (key .dockerconfigjson) mounted where the proxy's args say.
        using var work = TempDirectory.Create("k8s-pod");
        var secretVolume = volumes["registry-credentials"].Get("secret");
        var item = Assert.Single(secretVolume.Get("items").Items());
        Assert.Equal(".dockerconfigjson", item.Text("key"));
        var credentialsMount = Assert.Single(sidecar.Get("volumeMounts").Items());
        Assert.Equal("registry-credentials", credentialsMount.Text("name"));
        Assert.Equal("true", credentialsMount.Text("readOnly"));
        var secretDirectory = work.CreateSubdirectory("secret");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.ToColonForm()));
        var dockerConfig = new System.Text.Json.Nodes.JsonObject
        {
            ["auths"] = new System.Text.Json.Nodes.JsonObject { [registry.Host] = new System.Text.Json.Nodes.JsonObject { ["auth"] = auth } },
        };
        await File.WriteAllTextAsync(Path.Combine(secretDirectory, item.Text("path")), dockerConfig.ToJsonString());
        var args = sidecar.Get("args").Strings();
        Assert.Contains($"{credentialsMount.Text("mountPath")}/{item.Text("path")}", args);

        // The proxy's security context, as the kubelet applies it (no tmpfs on a read-only root).
        var security = sidecar.Get("securityContext");
        Assert.Equal("true", security.Text("runAsNonRoot"));
        Assert.Equal("true", security.Text("readOnlyRootFilesystem"));
        Assert.Equal("false", security.Text("allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], security.Get("capabilities").Get("drop").Strings());
        List<string> sidecarOptions =
        [
            "--network", "host",
            "--user", $"{security.Text("runAsUser")}:{security.Text("runAsGroup")}",
            "--read-only", "--read-only-tmpfs=false", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
            "-v", $"{secretDirectory}:{credentialsMount.Text("mountPath")}:ro",
            // The test registry speaks plain http; the docker config's registry is found in the list.
            "-e", $"CREDPROXY_INSECURE_REGISTRIES={registry.Host}",
        ];
        await using var proxy = await PodmanContainer.StartAsync(
            images.Podman, sidecarOptions, sidecar.Text("image"), args, "credproxy listening on ", _none);

        // The kubelet probes the pod's address (no host in the probe); on the host network loopback is one of them.
        var probe = sidecar.Get("readinessProbe").Get("httpGet");
        using (var http = new HttpClient())
        {
            var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{probe.Text("port")}{probe.Text("path")}"));
            Assert.True(ready.IsSuccessStatusCode, $"readiness probe: {(int)ready.StatusCode}\n{proxy.Output}");
        }

        // The executor container: the workspace volume holds the project (the pod leaves filling it to you).
        var workspaceMount = Assert.Single(executor.Get("volumeMounts").Items());
        Assert.Equal("workspace", workspaceMount.Text("name"));
        var context = DeployFiles.HelloContext(work, images.Busybox);
        var build = await images.Podman.RunPodmanAsync(
            [
                "run", "--rm", "--pull=never", "--network", "host", "-v", $"{context}:{workspaceMount.Text("mountPath")}",
                executor.Text("image"), .. executor.Get("args").Strings(),
            ],
            checkExitCode: false,
            _none);

        var output = build.StandardOutput + build.StandardError;
        Assert.True(build.ExitCode == 0, $"executor container failed:\n{output}\nproxy:\n{proxy.Output}");
        var destination = $"{registry.Host}/team/app:1.0";
        using var inspect = await Skopeo.InspectAsync(destination, credentials, _none);
        Assert.Contains($"{destination}@{inspect.RootElement.GetProperty("Digest").GetString()}", output, StringComparison.Ordinal);
        var run = await images.Podman.RunPodmanAsync(["run", "--rm", "--tls-verify=false", destination], checkExitCode: true, _none);

        // A Prometheus scrape on the metrics listener sees the build's pushes.
        using (var http = new HttpClient())
        {
            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{probe.Text("port")}/metrics"));
            Assert.Contains("credproxy_requests", metrics, StringComparison.Ordinal);
        }
        Assert.Equal(DeployFiles.HelloOutput, run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
