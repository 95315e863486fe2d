using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>
/// The images of both programs, built once for the image tests by <c>scripts/build-images.sh</c> (the
/// executor builds them, pushing through the proxy) into a registry that requires a password, as
/// <c>registry.example.com</c> stands in the deploy files; and one podman, logged in there, that has
/// pulled them.
/// </summary>
public sealed class ProjectImages : IAsyncLifetime
{
    private static readonly CancellationToken _none = CancellationToken.None;

    private RegistryServer? _registry;
    private TempDirectory? _work;
    private Podman? _podman;

    public RegistryServer Registry => _registry ?? throw new InvalidOperationException("not started");

    public RegistryCredentials Credentials => Registry.Credentials!;

    /// <summary>The repository prefix the images were pushed under: HOST/kaniko-dotnet.</summary>
    public string Prefix => $"{Registry.Host}/kaniko-dotnet";

    public string Executor => $"{Prefix}/executor:latest";

    public string ExecutorDebug => $"{Prefix}/executor:debug";

    public string CredProxy => $"{Prefix}/credproxy:latest";

    /// <summary>REF@DIGEST of each image, as the script printed them (IMAGE_EXECUTOR, IMAGE_EXECUTOR_DEBUG, IMAGE_CREDPROXY).</summary>
    public IReadOnlyDictionary<string, string> Printed { get; private set; } = new Dictionary<string, string>();

    /// <summary>The folder given to --tar-path.</summary>
    public string TarDirectory => _work!.Combine("tars");

    public ProcessResult Build { get; private set; } = null!;

    public Podman Podman => _podman ?? throw new InvalidOperationException("not started");

    /// <summary>The busybox base image (linux/amd64, Docker schema 2) in the registry.</summary>
    public string Busybox { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        _work = TempDirectory.Create("project-images");
        await TestBed.EnsureInstalledAsync(_none);
        Build = await ProcessRunner.RunAsync(
            Path.Combine(TestBed.RepoRoot, "scripts", "build-images.sh"),
            ["--destination", Prefix, "--tar-path", TarDirectory, "--work", _work.Combine("work")],
            new ProcessOptions
            {
                // The credentials reach the proxy the script starts; the script runs the executor without them.
                Environment = new Dictionary<string, string?>
                {
                    ["CREDPROXY_REGISTRY_1_HOST"] = Registry.Host,
                    ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
                    ["CREDPROXY_REGISTRY_1_USERNAME"] = Credentials.Username,
                    ["CREDPROXY_REGISTRY_1_PASSWORD"] = Credentials.Password,
                },
                Timeout = TimeSpan.FromMinutes(20),
            },
            _none);
        Printed = Build.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("IMAGE_", StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
            .ToDictionary(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);

        Busybox = await BaseImages.PushBusyboxAsync(Registry, "library/busybox", "latest", ImageFormat.V2s2, _none);

        _podman = Podman.Create(Registry.Host);
        await ProcessRunner.RunAsync(
            "podman",
            ["login", "--tls-verify=false", "-u", Credentials.Username, "--password-stdin", Registry.Host],
            new ProcessOptions { Environment = _podman.Environment, StandardInput = Credentials.Password },
            _none);
        foreach (var image in new[] { Executor, ExecutorDebug, CredProxy })
        {
            await _podman.RunPodmanAsync(["pull", "--quiet", image], checkExitCode: true, _none);
        }
    }

    public async Task DisposeAsync()
    {
        _podman?.Dispose();
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        _work?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ProjectImagesCollection : ICollectionFixture<ProjectImages>
{
    public const string Name = "project images";
}
