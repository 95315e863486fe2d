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

    /// <summary>Use the remote layer cache (kaniko's --cache).</summary>
    public bool Cache { get; init; }

    /// <summary>The cache repository (--cache-repo); null: the first destination's repository + /cache.</summary>
    public string? CacheRepo { get; init; }

    /// <summary>Cache entries older than this are misses (--cache-ttl, two weeks by default).</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Cache RUN layers (--cache-run-layers, on by default).</summary>
    public bool CacheRunLayers { get; init; } = true;

    /// <summary>Cache COPY and ADD layers (--cache-copy-layers, off by default).</summary>
    public bool CacheCopyLayers { get; init; }

    /// <summary>Look layers up in the cache but push none to it (--no-push-cache).</summary>
    public bool NoPushCache { get; init; }

    /// <summary>Cache flags given that have no effect, with the reason (each is warned about).</summary>
    public IReadOnlyList<(string Flag, string Reason)> CacheFlagsWithoutEffect { get; init; } = [];

    public string Verbosity { get; init; } = "info";

    public bool IsContainerMode => RootPath == "/";
}
