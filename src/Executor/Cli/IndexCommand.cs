using System.CommandLine;

namespace Kaniko.Executor.Cli;

/// <summary>What <c>executor index</c> was asked to do: list images already pushed for several platforms in one index.</summary>
public sealed record IndexOptions
{
    public required IReadOnlyList<string> Sources { get; init; }

    public required IReadOnlyList<string> Destinations { get; init; }

    public Uri? RegistryProxy { get; init; }

    public bool Insecure { get; init; }

    public bool InsecurePull { get; init; }

    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>();

    public bool SkipTlsVerify { get; init; }

    public ImageFormat ImageFormat { get; init; }

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public string? DigestFile { get; init; }

    public string? ImageNameWithDigestFile { get; init; }

    public string? ImageNameTagWithDigestFile { get; init; }

    public int PushRetry { get; init; }

    public int ImageDownloadRetry { get; init; }

    public bool PushIgnoreImmutableTagErrors { get; init; }

    public bool SkipPushPermissionCheck { get; init; }

    public string Verbosity { get; init; } = "info";
}

/// <summary>
/// <c>executor index SOURCE... --destination REF</c>: an OCI image index (or Docker manifest list) of images
/// already pushed for several platforms, pushed under a tag; like <c>docker buildx imagetools create -t</c>.
/// </summary>
public sealed class IndexCommand
{
    private readonly Argument<string[]> _sources = new("source")
    {
        Description = "Images to list (tag or digest), one per platform; an index given as a source contributes all its manifests.",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string[]> _destination = new("--destination", "-d") { Description = "Where to push the index, REGISTRY/REPOSITORY:TAG (repeatable).", Required = true };
    private readonly Option<string?> _registryProxy = new("--registry-proxy") { Description = $"Send all registry traffic through this credential proxy URL (also ${ExecutorCommand.RegistryProxyVariable})." };
    private readonly Option<bool> _insecure = new("--insecure") { Description = "Push to registries over plain HTTP." };
    private readonly Option<bool> _insecurePull = new("--insecure-pull") { Description = "Read the source images over plain HTTP." };
    private readonly Option<string[]> _insecureRegistry = new("--insecure-registry") { Description = "A registry (host[:port]) to use over plain HTTP (repeatable)." };
    private readonly Option<bool> _skipTlsVerify = new("--skip-tls-verify") { Description = "Do not verify registry certificates." };
    private readonly Option<string> _imageFormat = new("--image-format") { Description = "oci (an OCI image index), docker (a Docker manifest list), or auto: docker when every image is Docker schema 2, else oci.", DefaultValueFactory = _ => "auto" };
    private readonly Option<string[]> _annotation = new("--annotation") { Description = "Annotation on the index, KEY=VALUE (repeatable; OCI index only)." };
    private readonly Option<string?> _digestFile = new("--digest-file") { Description = "Write the index digest to this file." };
    private readonly Option<string?> _imageNameWithDigestFile = new("--image-name-with-digest-file") { Description = "Write NAME@DIGEST of each destination to this file." };
    private readonly Option<string?> _imageNameTagWithDigestFile = new("--image-name-tag-with-digest-file") { Description = "Write NAME:TAG@DIGEST of each destination to this file." };
    private readonly Option<int> _pushRetry = new("--push-retry") { Description = "Retries of a failed push, with backoff (timeouts, 5xx and 429 are retried at least 3 times regardless).", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _imageDownloadRetry = new("--image-download-retry") { Description = "Retries of a failed read of a source, with backoff.", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _pushIgnoreImmutableTagErrors = new("--push-ignore-immutable-tag-errors") { Description = "Treat a registry's refusal to overwrite an immutable tag as success." };
    private readonly Option<bool> _skipPushPermissionCheck = new("--skip-push-permission-check") { Description = "Do not check at start that the destinations accept a push." };
    private readonly Option<string> _verbosity = new("--verbosity", "-v") { Description = "Log level.", DefaultValueFactory = _ => "info" };

    public Command Build(Func<Func<IndexOptions>, CancellationToken, Task<int>> run)
    {
        var command = new Command("index", "Push an image index (multi-platform image) listing images already pushed for several platforms.");
        command.Arguments.Add(_sources);
        foreach (Option option in new Option[]
        {
            _destination, _registryProxy, _insecure, _insecurePull, _insecureRegistry, _skipTlsVerify, _imageFormat, _annotation, _digestFile,
            _imageNameWithDigestFile, _imageNameTagWithDigestFile, _pushRetry, _imageDownloadRetry, _pushIgnoreImmutableTagErrors, _skipPushPermissionCheck, _verbosity,
        })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => run(
            () =>
            {
                var proxy = result.GetValue(_registryProxy) ?? Environment.GetEnvironmentVariable(ExecutorCommand.RegistryProxyVariable);
                return new IndexOptions
                {
                    Sources = result.GetValue(_sources) ?? [],
                    Destinations = result.GetValue(_destination) ?? [],
                    RegistryProxy = string.IsNullOrEmpty(proxy) ? null : ExecutorCommand.ParseProxyUrl(proxy),
                    Insecure = result.GetValue(_insecure),
                    InsecurePull = result.GetValue(_insecurePull),
                    InsecureRegistries = (result.GetValue(_insecureRegistry) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase),
                    SkipTlsVerify = result.GetValue(_skipTlsVerify),
                    ImageFormat = ExecutorCommand.ParseImageFormat(result.GetValue(_imageFormat)!),
                    Annotations = ExecutorCommand.ParsePairs(result.GetValue(_annotation) ?? [], "--annotation"),
                    DigestFile = result.GetValue(_digestFile),
                    ImageNameWithDigestFile = result.GetValue(_imageNameWithDigestFile),
                    ImageNameTagWithDigestFile = result.GetValue(_imageNameTagWithDigestFile),
                    PushRetry = ExecutorCommand.CheckRetries(result.GetValue(_pushRetry), "--push-retry"),
                    ImageDownloadRetry = ExecutorCommand.CheckRetries(result.GetValue(_imageDownloadRetry), "--image-download-retry"),
                    PushIgnoreImmutableTagErrors = result.GetValue(_pushIgnoreImmutableTagErrors),
                    SkipPushPermissionCheck = result.GetValue(_skipPushPermissionCheck),
                    Verbosity = result.GetValue(_verbosity)!,
                };
            },
            cancellationToken));
        return command;
    }
}
