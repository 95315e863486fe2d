namespace Kaniko.TestKit;

/// <summary>
/// buildah as the reference builder: builds a Dockerfile (chroot isolation, vfs storage in a temp
/// folder, plain-HTTP registries) and pushes the result, so tests can compare our image to its image.
/// Dispose deletes the storage (vfs keeps a full copy of the root per layer).
/// </summary>
public sealed class Buildah : IDisposable
{
    private static readonly TimeSpan _timeout = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _directory;
    private readonly IReadOnlyDictionary<string, string?> _environment;

    private Buildah(TempDirectory directory)
    {
        _directory = directory;
        var registriesConf = directory.Combine("registries.conf");
        File.WriteAllText(registriesConf, "unqualified-search-registries = []\n");
        File.WriteAllText(directory.Combine("auth.json"), "{}\n");
        _environment = new Dictionary<string, string?>
        {
            ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            ["REGISTRY_AUTH_FILE"] = directory.Combine("auth.json"),
        };
    }

    public static Buildah Create() => new(TempDirectory.Create("buildah"));

    /// <summary>
    /// <c>buildah bud --layers -t REFERENCE CONTEXT</c> then <c>buildah push REFERENCE</c>. The credentials
    /// serve both the FROM pulls and the push. Returns the build's result.
    /// </summary>
    public Task<ProcessResult> BuildAndPushAsync(
        string contextDirectory, string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        BuildAndPushAsync(contextDirectory, reference, credentials, BuildahBuildOptions.Default, cancellationToken);

    public async Task<ProcessResult> BuildAndPushAsync(
        string contextDirectory,
        string reference,
        RegistryCredentials? credentials,
        BuildahBuildOptions options,
        CancellationToken cancellationToken)
    {
        var format = options.Format;
        List<string> build = ["bud", "--isolation", "chroot", "--tls-verify=false", "--quiet", "--format", FormatName(format)];
        if (options.Layers)
        {
            build.Add("--layers");
        }

        if (options.Target is not null)
        {
            build.AddRange(["--target", options.Target]);
        }

        foreach (var (name, value) in options.BuildArgs)
        {
            build.AddRange(["--build-arg", $"{name}={value}"]);
        }

        AddCredentials(build, credentials);
        build.AddRange(["-t", reference, contextDirectory]);
        var result = await RunAsync(build, cancellationToken);

        List<string> push = ["push", "--tls-verify=false", "--quiet", "--format", BaseImages.FormatArgument(format)];
        AddCredentials(push, credentials);
        push.AddRange([reference, Skopeo.DockerTransport(reference)]);
        await RunAsync(push, cancellationToken);
        return result;
    }

    public void Dispose() => _directory.Dispose();

    private static string FormatName(ImageFormat format) => format == ImageFormat.Oci ? "oci" : "docker";

    private static void AddCredentials(List<string> args, RegistryCredentials? credentials)
    {
        if (credentials is not null)
        {
            args.AddRange(["--creds", credentials.ToColonForm()]);
        }
    }

    private async Task<ProcessResult> RunAsync(List<string> args, CancellationToken cancellationToken)
    {
        await TestBed.EnsureInstalledAsync(cancellationToken);
        List<string> all =
        [
            "--root", _directory.Combine("root"),
            "--runroot", _directory.Combine("runroot"),
            "--storage-driver", "vfs",
            .. args,
        ];
        return await ProcessRunner.RunAsync(
            "buildah", all, new ProcessOptions { Environment = _environment, Timeout = _timeout }, cancellationToken);
    }
}
