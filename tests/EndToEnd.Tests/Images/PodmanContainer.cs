using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// A long-running container (the proxy) started attached with <c>podman run --rm --name</c>, so its
/// output is the container's; disposal removes the container, then ends the podman client.
/// </summary>
internal sealed class PodmanContainer : IAsyncDisposable
{
    private readonly Podman _podman;
    private readonly BackgroundProcess _process;

    private PodmanContainer(Podman podman, string name, BackgroundProcess process)
    {
        _podman = podman;
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public string Output => _process.Output;

    /// <summary>Runs <c>podman run --rm --name NAME OPTIONS... IMAGE ARGS...</c> and waits for <paramref name="readyText"/> in its output.</summary>
    public static async Task<PodmanContainer> StartAsync(
        Podman podman, IEnumerable<string> runOptions, string image, IEnumerable<string> arguments, string readyText, CancellationToken cancellationToken)
    {
        var name = "kaniko-test-" + Guid.NewGuid().ToString("N")[..12];
        var process = BackgroundProcess.Start(
            "podman",
            ["run", "--rm", "--pull=never", "--name", name, .. runOptions, image, .. arguments],
            new ProcessOptions { Environment = podman.Environment });
        var container = new PodmanContainer(podman, name, process);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.Output.Contains(readyText, StringComparison.Ordinal))
            {
                return container;
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        var output = process.Output;
        await container.DisposeAsync();
        throw new InvalidOperationException($"container {image} did not print '{readyText}':\n{output}");
    }

    public async ValueTask DisposeAsync()
    {
        await _podman.RunPodmanAsync(["rm", "--force", "--time", "2", Name], checkExitCode: false, CancellationToken.None);
        await _process.DisposeAsync();
    }
}
