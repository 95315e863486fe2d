namespace Kaniko.Executor.Cli;

public enum ImageFormat
{
    /// <summary>Follow the base image (Docker schema 2 for scratch), as kaniko does.</summary>
    Auto,
    Docker,
    Oci,
}

/// <summary>Everything the command line says about one build, parsed once.</summary>
public sealed record ExecutorOptions
{
    public required string ContextPath { get; init; }

    public required string DockerfilePath { get; init; }

    public IReadOnlyList<string> Destinations { get; init; } = [];

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    public bool NoPush { get; init; }

    public bool DryRun { get; init; }

    public string? DigestFile { get; init; }

    /// <summary>Also write the image as a docker-save tarball here (kaniko's --tar-path).</summary>
    public string? TarPath { get; init; }

    /// <summary>Also write the image as an OCI image layout here (kaniko's --oci-layout-path).</summary>
    public string? OciLayoutPath { get; init; }

    public string? ImageNameWithDigestFile { get; init; }

    public string? ImageNameTagWithDigestFile { get; init; }

    public bool Insecure { get; init; }

    public bool InsecurePull { get; init; }

    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>();

    public bool SkipTlsVerify { get; init; }

    public Uri? RegistryProxy { get; init; }

    /// <summary>--registry-mirror, --registry-map and --skip-default-registry-fallback: where base images are pulled from first.</summary>
    public Registry.RegistryMirrors Mirrors { get; init; } = Registry.RegistryMirrors.None;

    public string? CustomPlatform { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public bool PushIgnoreImmutableTagErrors { get; init; }

    public ImageFormat ImageFormat { get; init; } = ImageFormat.Auto;

    public int PushRetry { get; init; }

    public int ImageDownloadRetry { get; init; }

    public bool SkipPushPermissionCheck { get; init; }

    /// <summary>The root the image is built in: "/" in a container of its own, a folder in development.</summary>
    public string RootPath { get; init; } = "/";

    /// <summary>The executor's own folder (kaniko's /kaniko): never part of the image.</summary>
    public required string KanikoDir { get; init; }

    public IReadOnlyList<string> IgnorePaths { get; init; } = [];

    /// <summary>Delete the container's own files before the first stage (container mode only).</summary>
    public bool CleanRoot { get; init; } = true;

    public bool Reproducible { get; init; }

    /// <summary>Build into / even where the executor cannot tell that it runs in a container of its own (kaniko's --force).</summary>
    public bool Force { get; init; }

    public Filesystem.SnapshotMode SnapshotMode { get; init; } = Filesystem.SnapshotMode.Fast;

    public Filesystem.LayerCompression Compression { get; init; } = Filesystem.LayerCompression.Gzip;

    public int? CompressionLevel { get; init; }

    /// <summary>One layer per stage, taken at its end (kaniko's --single-snapshot).</summary>
    public bool SingleSnapshot { get; init; }

    /// <summary>kaniko cache flags that were given; caching is not implemented, so the build warns and runs uncached.</summary>
    public IReadOnlyList<string> IgnoredCacheFlags { get; init; } = [];

    public string Verbosity { get; init; } = "info";

    public bool IsContainerMode => RootPath == "/";
}
