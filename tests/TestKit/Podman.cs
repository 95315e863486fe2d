namespace Kaniko.TestKit;

/// <summary>
/// podman with its own configuration (runc, cgroupfs, no network, explicit ulimits, file events) and its
/// own vfs storage in a temp folder, all passed through the child's environment only. Dispose deletes it.
/// </summary>
public sealed class Podman : IDisposable
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _directory;

    private Podman(TempDirectory directory, IReadOnlyDictionary<string, string?> environment)
    {
        _directory = directory;
        Environment = environment;
    }

    /// <summary>CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF for this instance.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    public string Directory => _directory.Path;

    /// <summary>A podman whose registries.conf marks the given hosts (<c>127.0.0.1:PORT</c>) insecure.</summary>
    public static Podman Create(params IEnumerable<string> insecureRegistries)
    {
        var directory = TempDirectory.Create("podman");
        var root = directory.Path;
        var containersConf = directory.Combine("containers.conf");
        var storageConf = directory.Combine("storage.conf");
        var registriesConf = directory.Combine("registries.conf");
        File.WriteAllText(
            containersConf,
            $"""
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            netns = "none"
            log_driver = "k8s-file"

            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "{root}/events.log"
            runtime = "runc"
            tmp_dir = "{root}/run"
            volume_path = "{root}/volumes"

            """);
        File.WriteAllText(
            storageConf,
            $"""
            [storage]
            driver = "vfs"
            graphroot = "{root}/storage"
            runroot = "{root}/runroot"

            """);
        var registries = string.Concat(insecureRegistries.Select(host => $"""

            [[registry]]
            location = "{host}"
            insecure = true

            """));
        File.WriteAllText(registriesConf, "unqualified-search-registries = []\n" + registries);
        File.WriteAllText(directory.Combine("auth.json"), "{}\n");

        return new Podman(directory, new Dictionary<string, string?>
        {
            ["CONTAINERS_CONF"] = containersConf,
            ["CONTAINERS_STORAGE_CONF"] = storageConf,
            ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            ["REGISTRY_AUTH_FILE"] = directory.Combine("auth.json"),
        });
    }

    /// <summary>A podman set up for one test registry.</summary>
    public static Podman For(RegistryServer registry) => Create(registry.Host);

    /// <summary><c>podman pull</c> with optional credentials.</summary>
    public Task<ProcessResult> PullAsync(string reference, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        List<string> args = ["pull", "--quiet"];
        if (credentials is not null)
        {
            args.AddRange(["--creds", credentials.ToColonForm()]);
        }

        args.Add(reference);
        return RunPodmanAsync(args, checkExitCode: true, cancellationToken);
    }

    /// <summary>
    /// Pulls <paramref name="image"/> (with credentials) and runs <c>podman run --rm IMAGE [COMMAND...]</c>.
    /// Returns the run's result; throws on a non-zero exit.
    /// </summary>
    public Task<ProcessResult> RunAsync(
        string image, IEnumerable<string> command, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        RunAsync(image, command, credentials, [], checkExitCode: true, cancellationToken);

    /// <summary>As <see cref="RunAsync(string, IEnumerable{string}, RegistryCredentials?, CancellationToken)"/>, with
    /// extra <c>podman run</c> options (e.g. <c>--user</c>, <c>--entrypoint</c>) and a choice to throw.</summary>
    public async Task<ProcessResult> RunAsync(
        string image,
        IEnumerable<string> command,
        RegistryCredentials? credentials,
        IEnumerable<string> runOptions,
        bool checkExitCode,
        CancellationToken cancellationToken)
    {
        await PullAsync(image, credentials, cancellationToken);
        List<string> args = ["run", "--rm", "--pull=never", .. runOptions, image, .. command];
        return await RunPodmanAsync(args, checkExitCode, cancellationToken);
    }

    /// <summary>Any podman command with this instance's configuration.</summary>
    public async Task<ProcessResult> RunPodmanAsync(
        IEnumerable<string> arguments, bool checkExitCode, CancellationToken cancellationToken)
    {
        await TestBed.EnsureInstalledAsync(cancellationToken);
        return await ProcessRunner.RunAsync(
            "podman",
            arguments,
            new ProcessOptions { Environment = Environment, Timeout = _timeout, CheckExitCode = checkExitCode },
            cancellationToken);
    }

    public void Dispose() => _directory.Dispose();
}
