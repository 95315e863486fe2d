using System.CommandLine;
using System.CommandLine.Parsing;

namespace Kaniko.Executor.Cli;

/// <summary>The kaniko-compatible command line: a kaniko user switches by changing the image name.</summary>
public sealed class ExecutorCommand
{
    public const string KanikoDirVariable = "KANIKO_DIR";
    public const string RegistryProxyVariable = "KANIKO_REGISTRY_PROXY";

    private readonly Option<string> _context = new("--context", "-c")
    {
        Description = "Build context: a local directory (dir:// prefix accepted).",
        DefaultValueFactory = _ => "/workspace/",
    };

    private readonly Option<string> _dockerfile = new("--dockerfile", "-f")
    {
        Description = "Path to the Dockerfile, relative to the context unless absolute.",
        DefaultValueFactory = _ => "Dockerfile",
    };

    private readonly Option<string[]> _destination = new("--destination", "-d")
    {
        Description = "Image reference to push to (repeatable).",
    };

    private readonly Option<string[]> _buildArg = new("--build-arg")
    {
        Description = "ARG value as NAME=VALUE, or NAME to take it from the environment (repeatable).",
    };

    private readonly Option<string?> _target = new("--target") { Description = "The stage to build (default: the last)." };
    private readonly Option<bool> _noPush = new("--no-push") { Description = "Build, but push nowhere." };
    private readonly Option<bool> _dryRun = new("--dryrun") { Description = "Print the planned stages and instructions, build nothing." };
    private readonly Option<string?> _digestFile = new("--digest-file") { Description = "Write the image digest to this file." };
    private readonly Option<string?> _imageNameWithDigestFile = new("--image-name-with-digest-file") { Description = "Write NAME@DIGEST of each destination to this file." };
    private readonly Option<string?> _imageNameTagWithDigestFile = new("--image-name-tag-with-digest-file") { Description = "Write NAME:TAG@DIGEST of each destination to this file." };
    private readonly Option<string?> _tarPath = new("--tar-path") { Description = "Also write the image as a docker-save tarball (podman load, skopeo docker-archive:)." };
    private readonly Option<string?> _ociLayoutPath = new("--oci-layout-path") { Description = "Also write the image as an OCI image layout directory." };
    private readonly Option<bool> _insecure = new("--insecure") { Description = "Push to registries over plain HTTP." };
    private readonly Option<bool> _insecurePull = new("--insecure-pull") { Description = "Pull from registries over plain HTTP." };
    private readonly Option<string[]> _insecureRegistry = new("--insecure-registry") { Description = "A registry (host[:port]) to use over plain HTTP (repeatable)." };
    private readonly Option<bool> _skipTlsVerify = new("--skip-tls-verify") { Description = "Do not verify registry certificates." };
    private readonly Option<string?> _registryProxy = new("--registry-proxy") { Description = $"Send all registry traffic through this credential proxy URL (also ${RegistryProxyVariable})." };
    private readonly Option<string[]> _registryMirror = new("--registry-mirror") { Description = "A mirror of Docker Hub to pull from first, host[:port][/path] (repeatable, tried in order)." };
    private readonly Option<string[]> _registryMap = new("--registry-map") { Description = "Mirrors of any registry, ORIGINAL=MIRROR[;ORIGINAL=MIRROR...] (repeatable), e.g. index.docker.io=mirror.gcr.io." };
    private readonly Option<bool> _skipDefaultRegistryFallback = new("--skip-default-registry-fallback") { Description = "When an image's registry has mirrors and none has the image, fail instead of pulling from the registry itself." };
    private readonly Option<string?> _customPlatform = new("--custom-platform") { Description = "Platform to build for, os/arch[/variant]." };
    private readonly Option<string[]> _label = new("--label") { Description = "Label to add to the image, KEY=VALUE (repeatable)." };
    private readonly Option<string[]> _annotation = new("--annotation") { Description = "Annotation to add to the pushed manifest, KEY=VALUE (repeatable)." };
    private readonly Option<bool> _pushIgnoreImmutableTagErrors = new("--push-ignore-immutable-tag-errors") { Description = "Treat a registry's refusal to overwrite an immutable tag as success." };
    private readonly Option<string> _imageFormat = new("--image-format") { Description = "Manifest format: docker, oci, or auto (follow the base image).", DefaultValueFactory = _ => "auto" };
    private readonly Option<int> _pushRetry = new("--push-retry") { Description = "Retries of a failed push, with backoff (timeouts, 5xx and 429 are retried at least 3 times regardless).", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _imageDownloadRetry = new("--image-download-retry") { Description = "Retries of a failed download, with backoff (timeouts, 5xx and 429 are retried at least 3 times regardless).", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _skipPushPermissionCheck = new("--skip-push-permission-check") { Description = "Do not check at start that the destinations accept a push." };
    private readonly Option<string?> _root = new("--root") { Description = "Build in this folder instead of / (RUN steps are chrooted there). Without it the executor builds into / and first deletes the container's own files: only do that in the executor's own container." };
    private readonly Option<string?> _kanikoDir = new("--kaniko-dir") { Description = $"The executor's own folder, never part of the image (also ${KanikoDirVariable})." };
    private readonly Option<string[]> _ignorePath = new("--ignore-path") { Description = "A path to leave out of snapshots (repeatable)." };
    private readonly Option<bool> _cleanRoot = new("--clean-root") { Description = "Delete the container's own files before the first stage (container mode).", DefaultValueFactory = _ => true };
    private readonly Option<bool> _reproducible = new("--reproducible") { Description = "Strip timestamps so equal input gives equal digests." };
    private readonly Option<string> _verbosity = new("--verbosity", "-v") { Description = "Log level: panic, fatal, error, warn, info, debug, trace.", DefaultValueFactory = _ => "info" };

    private readonly Option<string> _snapshotMode = new("--snapshot-mode") { Description = "How changes are found: fast (metadata, default), full, redo or time (kaniko's modes).", DefaultValueFactory = _ => "fast" };
    private readonly Option<bool> _singleSnapshot = new("--single-snapshot") { Description = "Take one snapshot at the end of each stage: one layer instead of one per RUN/COPY." };
    private readonly Option<string> _compression = new("--compression") { Description = "Layer compression: gzip (default) or zstd (needs --image-format oci).", DefaultValueFactory = _ => "gzip" };
    private readonly Option<int?> _compressionLevel = new("--compression-level") { Description = "Compression level (gzip 1-9, zstd 1-22)." };

    // kaniko's layer cache (src/Executor/Build/Cache).
    private readonly Option<bool> _cache = new("--cache") { Description = "Use the remote layer cache: a RUN step (and with --cache-copy-layers a COPY/ADD step) whose key is in --cache-repo is not run, its layer is pulled; steps that miss push their layer there." };
    private readonly Option<string?> _cacheRepo = new("--cache-repo") { Description = "Repository of the layer cache (default: the first --destination's repository + /cache)." };
    private readonly Option<string?> _cacheDir = new("--cache-dir") { Description = "kaniko's local base-image cache (filled by its warmer): accepted, not used; base images are pulled." };
    private readonly Option<string> _cacheTtl = new("--cache-ttl") { Description = "Cache entries older than this are misses, as a Go duration (e.g. 24h).", DefaultValueFactory = _ => "336h" };
    private readonly Option<bool> _cacheCopyLayers = new("--cache-copy-layers") { Description = "Cache the layers of COPY and ADD steps too." };
    private readonly Option<bool> _cacheRunLayers = new("--cache-run-layers") { Description = "Cache the layers of RUN steps.", DefaultValueFactory = _ => true };
    private readonly Option<bool> _noPushCache = new("--no-push-cache") { Description = "Use the layer cache, but push no layers to it (--no-push alone still pushes cache layers)." };
    private readonly Option<bool> _compressedCaching = new("--compressed-caching") { Description = "Accepted for compatibility (cache layers are streamed from disk)." };

    // Accepted for kaniko compatibility; their behaviour is the default here or not applicable.
    private readonly Option<bool> _useNewRun = new("--use-new-run") { Description = "Accepted for compatibility (snapshots are always incremental)." };
    private readonly Option<bool> _cleanup = new("--cleanup") { Description = "Accepted for compatibility." };
    private readonly Option<bool> _force = new("--force") { Description = "Build into / even where no container is detected (it deletes the files of /)." };

    public RootCommand Build(Func<Func<ExecutorOptions>, CancellationToken, Task<int>> run)
    {
        var command = new RootCommand("executor: builds a container image from a Dockerfile without a Docker daemon, and pushes it.");
        foreach (Option option in new Option[]
        {
            _context, _dockerfile, _destination, _buildArg, _target, _noPush, _dryRun, _digestFile,
            _imageNameWithDigestFile, _imageNameTagWithDigestFile, _tarPath, _ociLayoutPath, _insecure, _insecurePull, _insecureRegistry,
            _skipTlsVerify, _registryProxy, _registryMirror, _registryMap, _skipDefaultRegistryFallback, _customPlatform, _label, _annotation, _pushIgnoreImmutableTagErrors, _imageFormat, _pushRetry, _imageDownloadRetry,
            _skipPushPermissionCheck, _root, _kanikoDir, _ignorePath, _cleanRoot, _reproducible, _verbosity,
            _snapshotMode, _singleSnapshot, _compression, _compressionLevel, _cache, _cacheRepo, _cacheDir, _cacheTtl,
            _cacheCopyLayers, _cacheRunLayers, _noPushCache, _compressedCaching, _useNewRun, _cleanup, _force,
        })
        {
            command.Options.Add(option);
        }

        // Options are read inside the action so that a usage mistake is reported as one, not as a crash.
        command.SetAction((result, cancellationToken) => run(() => ToOptions(result), cancellationToken));
        return command;
    }

    private ExecutorOptions ToOptions(ParseResult result)
    {
        var root = result.GetValue(_root);
        var rootPath = string.IsNullOrEmpty(root) ? "/" : Path.GetFullPath(root);
        var context = StripScheme(result.GetValue(_context)!);
        var dockerfile = result.GetValue(_dockerfile)!;
        var dockerfilePath = Path.IsPathRooted(dockerfile) ? dockerfile : Path.Combine(context, dockerfile);
        var proxy = result.GetValue(_registryProxy) ?? Environment.GetEnvironmentVariable(RegistryProxyVariable);
        var compression = ParseCompression(result.GetValue(_compression)!);

        return new ExecutorOptions
        {
            ContextPath = Path.GetFullPath(context),
            DockerfilePath = Path.GetFullPath(dockerfilePath),
            Destinations = result.GetValue(_destination) ?? [],
            BuildArgs = ParseBuildArgs(result.GetValue(_buildArg) ?? []),
            Target = result.GetValue(_target),
            NoPush = result.GetValue(_noPush),
            DryRun = result.GetValue(_dryRun),
            DigestFile = result.GetValue(_digestFile),
            TarPath = result.GetValue(_tarPath),
            OciLayoutPath = result.GetValue(_ociLayoutPath),
            ImageNameWithDigestFile = result.GetValue(_imageNameWithDigestFile),
            ImageNameTagWithDigestFile = result.GetValue(_imageNameTagWithDigestFile),
            Insecure = result.GetValue(_insecure),
            InsecurePull = result.GetValue(_insecurePull),
            InsecureRegistries = (result.GetValue(_insecureRegistry) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase),
            SkipTlsVerify = result.GetValue(_skipTlsVerify),
            RegistryProxy = string.IsNullOrEmpty(proxy) ? null : ParseProxyUrl(proxy),
            Mirrors = Registry.RegistryMirrors.Parse(
                result.GetValue(_registryMirror) ?? [], result.GetValue(_registryMap) ?? [], result.GetValue(_skipDefaultRegistryFallback)),
            CustomPlatform = result.GetValue(_customPlatform),
            Labels = ParsePairs(result.GetValue(_label) ?? [], "--label"),
            Annotations = ParsePairs(result.GetValue(_annotation) ?? [], "--annotation"),
            PushIgnoreImmutableTagErrors = result.GetValue(_pushIgnoreImmutableTagErrors),
            ImageFormat = ParseImageFormat(result.GetValue(_imageFormat)!),
            PushRetry = CheckRetries(result.GetValue(_pushRetry), "--push-retry"),
            ImageDownloadRetry = CheckRetries(result.GetValue(_imageDownloadRetry), "--image-download-retry"),
            SkipPushPermissionCheck = result.GetValue(_skipPushPermissionCheck),
            RootPath = rootPath,
            KanikoDir = ResolveKanikoDir(result.GetValue(_kanikoDir), rootPath),
            IgnorePaths = result.GetValue(_ignorePath) ?? [],
            CleanRoot = result.GetValue(_cleanRoot),
            Reproducible = result.GetValue(_reproducible),
            Force = result.GetValue(_force),
            Verbosity = result.GetValue(_verbosity)!,
            SnapshotMode = ParseSnapshotMode(result.GetValue(_snapshotMode)!),
            Compression = compression,
            CompressionLevel = CheckCompressionLevel(result.GetValue(_compressionLevel), compression),
            SingleSnapshot = result.GetValue(_singleSnapshot),
            Cache = result.GetValue(_cache),
            CacheRepo = result.GetValue(_cacheRepo),
            CacheTtl = ParseCacheTtl(result.GetValue(_cacheTtl)!),
            CacheRunLayers = result.GetValue(_cacheRunLayers),
            CacheCopyLayers = result.GetValue(_cacheCopyLayers),
            NoPushCache = result.GetValue(_noPushCache),
            CacheFlagsWithoutEffect = CacheFlagsWithoutEffect(result),
        };
    }

    private List<(string Flag, string Reason)> CacheFlagsWithoutEffect(ParseResult result)
    {
        bool Given(Option option) => result.GetResult(option) is { Implicit: false };
        var flags = new List<(string, string)>();
        if (Given(_cacheDir))
        {
            flags.Add((_cacheDir.Name, "is not used: kaniko's local base-image cache is not implemented (base images are pulled from their registry)"));
        }

        if (!result.GetValue(_cache))
        {
            flags.AddRange(new Option[] { _cacheRepo, _cacheTtl, _cacheCopyLayers, _cacheRunLayers, _noPushCache }
                .Where(Given)
                .Select(o => (o.Name, "has no effect without --cache=true")));
        }
        else if (result.GetValue(_singleSnapshot))
        {
            flags.Add((_cache.Name, "has no effect with --single-snapshot: the layer cache keeps one layer per step, and a single snapshot has none"));
        }

        return flags;
    }

    private static TimeSpan ParseCacheTtl(string text) =>
        Dockerfile.Instructions.GoDuration.TryParse(text, out var ttl) && ttl >= TimeSpan.Zero
            ? ttl
            : throw new UsageException($"--cache-ttl '{text}' is not a duration: write it as Go does, e.g. 24h, 90m or 336h (two weeks, the default)");

    private static Filesystem.SnapshotMode ParseSnapshotMode(string text) => text.ToLowerInvariant() switch
    {
        "fast" => Filesystem.SnapshotMode.Fast,
        "full" => Filesystem.SnapshotMode.Full,
        "redo" => Filesystem.SnapshotMode.Redo,
        "time" => Filesystem.SnapshotMode.Time,
        _ => throw new UsageException($"--snapshot-mode: '{text}' is not one of fast, full, redo, time"),
    };

    private static Filesystem.LayerCompression ParseCompression(string text) => text.ToLowerInvariant() switch
    {
        "gzip" => Filesystem.LayerCompression.Gzip,
        "zstd" => Filesystem.LayerCompression.Zstd,
        _ => throw new UsageException($"--compression: '{text}' is not one of gzip, zstd"),
    };

    /// <summary>Checks the level before the build, not when the first layer is compressed; -1 is kaniko's "default".</summary>
    internal static int? CheckCompressionLevel(int? level, Filesystem.LayerCompression compression)
    {
        if (level is null or -1)
        {
            return null;
        }

        var (name, lowest, highest) = compression == Filesystem.LayerCompression.Zstd ? ("zstd", 1, 22) : ("gzip", 0, 9);
        return level >= lowest && level <= highest
            ? level
            : throw new UsageException($"--compression-level {level}: {name} takes {lowest}-{highest} (or -1 for its default)");
    }

    internal static int CheckRetries(int retries, string flag) =>
        retries >= 0 ? retries : throw new UsageException($"{flag} {retries}: give a count of retries, 0 or more");

    private static string StripScheme(string context) =>
        context.StartsWith("dir://", StringComparison.Ordinal) ? context["dir://".Length..] : context;

    internal static Uri ParseProxyUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // The text is not echoed: a mistyped URL may hold a password.
            throw new UsageException("--registry-proxy: not an http(s) URL; expected e.g. http://127.0.0.1:5050");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new UsageException("--registry-proxy: remove the user:password@ part; the executor holds no credentials, the proxy adds them");
        }

        return uri;
    }

    internal static ImageFormat ParseImageFormat(string text) => text.ToLowerInvariant() switch
    {
        "auto" => ImageFormat.Auto,
        "docker" => ImageFormat.Docker,
        "oci" => ImageFormat.Oci,
        _ => throw new UsageException($"--image-format: '{text}' is not one of docker, oci, auto"),
    };

    /// <summary>
    /// The executor's folder: --kaniko-dir, else KANIKO_DIR, else the folder the binary lives in when it
    /// runs as its own container's root, else a fresh folder outside the build root.
    /// </summary>
    private static string ResolveKanikoDir(string? flag, string rootPath)
    {
        var configured = flag ?? Environment.GetEnvironmentVariable(KanikoDirVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.GetFullPath(configured);
        }

        if (rootPath == "/")
        {
            return AppContext.BaseDirectory.TrimEnd('/');
        }

        return Path.Combine(Path.GetTempPath(), $"kaniko-{Environment.ProcessId}");
    }

    private static Dictionary<string, string> ParseBuildArgs(IEnumerable<string> values)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                throw new UsageException($"--build-arg '{value}': the name before '=' is empty");
            }

            if (equals < 0)
            {
                // Docker semantics: a bare name takes its value from the environment, if set.
                var fromEnvironment = Environment.GetEnvironmentVariable(value);
                if (fromEnvironment is not null)
                {
                    args[value] = fromEnvironment;
                }

                continue;
            }

            args[value[..equals]] = value[(equals + 1)..];
        }

        return args;
    }

    internal static Dictionary<string, string> ParsePairs(IEnumerable<string> values, string flag)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"{flag} '{value}': expected KEY=VALUE");
            }

            pairs[value[..equals]] = value[(equals + 1)..];
        }

        return pairs;
    }
}

/// <summary>A mistake in how the executor was called; the message says which flag and what to write.</summary>
public sealed class UsageException(string message) : Exception(message);
