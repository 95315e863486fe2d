using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Build.Handlers;
using Kaniko.Executor.Build.Run;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Context;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Assembly;
using Kaniko.Executor.Image.Outputs;
using Kaniko.Executor.Planning;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build;

/// <summary>The whole build: plan, stages in order, assembly, push and the digest outputs.</summary>
public sealed class ImageBuilder(ExecutorOptions options, ILogger logger)
{
    public async Task<Digest?> BuildAsync(CancellationToken cancellationToken)
    {
        ValidateOptions();
        if (!File.Exists(options.DockerfilePath))
        {
            throw new UsageException($"no Dockerfile at {options.DockerfilePath}: pass --dockerfile (relative to --context {options.ContextPath}, or absolute)");
        }

        var platform = options.CustomPlatform is null ? Platform.Host
            : Platform.TryParse(options.CustomPlatform, out var custom) ? custom
            : throw new UsageException($"--custom-platform '{options.CustomPlatform}' is not a platform: use os/arch[/variant], e.g. linux/arm64 or linux/arm/v7");
        var planOptions = new PlanOptions { TargetPlatform = platform };
        var dockerfileText = await ReadDockerfileAsync(cancellationToken).ConfigureAwait(false);
        var plan = BuildPlanner.Plan(dockerfileText, options.DockerfilePath, options.BuildArgs, options.Target, planOptions);
        if (options.DryRun)
        {
            await Console.Out.WriteAsync(PlanPrinter.Print(plan)).ConfigureAwait(false);
            return null;
        }

        if (options.Compression == LayerCompression.Zstd && options.ImageFormat != ImageFormat.Oci)
        {
            throw new UsageException("--compression zstd needs --image-format oci: Docker schema 2 manifests cannot carry zstd layers");
        }

        var destinations = options.Destinations.Select(ParseDestination).ToList();
        if (!options.NoPush && destinations.Count == 0)
        {
            throw new UsageException("no --destination given: name where to push the image, or pass --no-push");
        }

        var cacheOptions = LayerCacheSetup.Prepare(options, destinations, logger);

        var workspace = BuildWorkspace.Create(options);
        try
        {
            string? pushToken = null;
            var pushTo = LayerCacheSetup.PushRepositories(options.NoPush ? [] : destinations, cacheOptions);
            if (options.RegistryProxy is not null && pushTo.Count > 0)
            {
                // The cache repository is declared with the destinations: cache layers are pushes too.
                pushToken = await PushCapabilityClient.ClaimAsync(options.RegistryProxy, pushTo, cancellationToken).ConfigureAwait(false);
                Log.ClaimedPushToken(logger, options.RegistryProxy.ToString());
            }

            using var client = new RegistryClient(ClientOptions(pushToken), logger);
            if (!options.NoPush && !options.SkipPushPermissionCheck)
            {
                foreach (var destination in destinations)
                {
                    await client.CheckPushPermissionAsync(destination, cancellationToken).ConfigureAwait(false);
                }
            }

            await using var cache = cacheOptions is null ? null : new LayerCache(client, cacheOptions, platform, workspace.LayersDirectory, TimeProvider.System, logger);
            var image = await BuildStagesAsync(plan, client, workspace, platform, cache, cancellationToken).ConfigureAwait(false);
            if (cache is not null)
            {
                // Cache layers first: the push below then mounts them from the cache repository where it can.
                await cache.FlushAsync().ConfigureAwait(false);
            }

            var oci = options.ImageFormat switch
            {
                ImageFormat.Oci => true,
                ImageFormat.Docker => false,
                // An OCI layout is read by skopeo and umoci only when it holds OCI manifests: it tips auto to OCI.
                _ => options.OciLayoutPath is not null || image.ManifestMediaType == MediaTypes.OciManifest,
            };
            if (!oci && options.OciLayoutPath is not null)
            {
                Log.DockerManifestInOciLayout(logger, options.OciLayoutPath);
            }

            var assembled = ImageAssembler.Assemble(image, oci, options.Labels, CreationTime(), options.Annotations);

            var content = ImageContent.FromFiles(
                assembled.ManifestBytes, assembled.ManifestMediaType, assembled.ConfigBytes, assembled.Config,
                assembled.Layers.Select(l => (l.Descriptor, l.Path)).ToList());
            await WriteLocalOutputsAsync(content, destinations, cancellationToken).ConfigureAwait(false);
            if (options.NoPush)
            {
                Log.NotPushed(logger, assembled.ManifestDigest.ToString(), assembled.Layers.Count);
            }
            else
            {
                // All blobs to every destination first, then the manifests: a failed push leaves no tag behind.
                await client.PushImageAsync(content, destinations, cancellationToken).ConfigureAwait(false);
                foreach (var destination in destinations)
                {
                    Log.Pushed(logger, destination.ToString(), assembled.ManifestDigest.ToString());
                }
            }

            await WriteDigestFilesAsync(assembled.ManifestDigest, destinations, cancellationToken).ConfigureAwait(false);
            return assembled.ManifestDigest;
        }
        finally
        {
            workspace.Dispose();
        }
    }

    private async Task<StageImage> BuildStagesAsync(BuildPlan plan, RegistryClient client, BuildWorkspace workspace, Platform platform, LayerCache? cache, CancellationToken cancellationToken)
    {
        var root = options.RootPath;
        var extraIgnored = new List<string>(options.IgnorePaths);
        if (options.IsContainerMode)
        {
            extraIgnored.Add(options.KanikoDir);
        }

        var ignore = IgnoreList.Create(root, extraIgnored, readMountInfo: options.IsContainerMode);
        PrepareRoot(root, ignore);

        var loader = new BaseImageLoader(client, workspace.BlobsDirectory, platform, options.Mirrors, logger);
        var built = new Dictionary<int, StageImage>();
        var copySources = new Dictionary<string, CopySource>(StringComparer.Ordinal);
        var context = CreateContextSource();
        var needed = plan.Stages.Where(s => s.IsNeeded).ToList();
        var firstStage = true;
        StageImage? last = null;

        foreach (var stage in plan.Stages)
        {
            var stageName = stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!stage.IsNeeded)
            {
                Log.SkippingStage(logger, stageName);
                continue;
            }

            StageImage baseImage;
            if (stage.BaseStageIndex is int baseIndex)
            {
                baseImage = built[baseIndex];
            }
            else if (stage.BaseImage.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            {
                baseImage = StageImage.Scratch(platform);
            }
            else
            {
                Log.BaseImage(logger, stageName, stage.BaseImage);
                try
                {
                    baseImage = await loader.ResolveAsync(stage.BaseImage, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is FormatException or RegistryException or InvalidOperationException)
                {
                    throw new BuildException(stage.From.Location, stage.From.Text.Trim(), e.Message, e);
                }
            }

            if (!firstStage)
            {
                RootCleaner.DeleteAllExceptIgnored(root, ignore);
            }

            firstStage = false;
            var started = System.Diagnostics.Stopwatch.StartNew();
            UnpackResult unpacked;
            try
            {
                unpacked = await loader.UnpackAsync(baseImage, root, ignore, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RegistryException or LayerFormatException)
            {
                throw new BuildException(stage.From.Location, stage.From.Text.Trim(), e.Message, e);
            }

            Log.Unpacked(logger, unpacked.Layers, stage.BaseImage, started.Elapsed.TotalSeconds, unpacked.DownloadedBytes / 1048576.0);

            var snapshotter = new Snapshotter(root, ignore, new SnapshotOptions(options.Compression, options.CompressionLevel, options.Reproducible, options.SnapshotMode));
            await snapshotter.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var services = new StageServices(
                root,
                new Filesystem.RootFs(root),
                ignore,
                snapshotter,
                new RunLauncher(root),
                workspace.LayersDirectory,
                context,
                (from, ct) => ResolveCopyFromAsync(from, stage, plan, copySources, loader, workspace, ct),
                SourcePattern.Matches,
                plan.EscapeChar,
                options.BuildArgs,
                plan.GlobalArgs,
                plan.Platforms,
                () => options.Reproducible && SourceDateEpoch() is null ? null : CreationTime(),
                options.IsContainerMode ? new ExecutorFolderGuard(options.KanikoDir, workspace.Path) : null,
                options.SingleSnapshot,
                logger)
            { Cache = cache };
            var image = await new StageExecutor(services).ExecuteAsync(stage, baseImage, cancellationToken).ConfigureAwait(false)
                with
            { ManifestMediaType = baseImage.ManifestMediaType };
            built[stage.Index] = image;
            last = image;

            if (needed.Any(s => s.Index > stage.Index && s.DependsOn.Contains(stage.Index) && s.BaseStageIndex != stage.Index))
            {
                Log.KeepingStage(logger, stageName);
                var stash = Path.Combine(workspace.StagesDirectory, stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                StageStash.Save(root, ignore, stash);
                var source = new CopySource($"stage {stageName}", stash, null);
                copySources[stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)] = source;
                if (stage.Name is not null)
                {
                    copySources[stage.Name.ToLowerInvariant()] = source;
                }
            }
        }

        return last ?? throw new InvalidOperationException("the Dockerfile has no stage to build");
    }

    /// <summary>COPY --from: an earlier stage by name or index, else an image pulled and unpacked aside.</summary>
    private async Task<CopySource> ResolveCopyFromAsync(
        string from, Stage current, BuildPlan plan, Dictionary<string, CopySource> sources, BaseImageLoader loader, BuildWorkspace workspace, CancellationToken cancellationToken)
    {
        var key = from.ToLowerInvariant();
        if (sources.TryGetValue(key, out var known))
        {
            return known;
        }

        if (plan.Stages.Any(s => s.Index < current.Index && (string.Equals(s.Name, from, StringComparison.OrdinalIgnoreCase) || s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) == from)))
        {
            throw new InvalidOperationException($"stage '{from}' was not kept for COPY --from; this is a bug in the planner");
        }

        StageImage image;
        try
        {
            image = await loader.ResolveAsync(from, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or RegistryException)
        {
            var stages = string.Join(", ", plan.Stages.Where(s => s.Index < current.Index).Select(s => s.DisplayName));
            throw new InvalidOperationException(
                $"--from={from} names no earlier stage (earlier stages: {(stages.Length == 0 ? "none" : stages)}), and as an image it could not be pulled: {e.Message}", e);
        }

        var directory = Path.Combine(workspace.StagesDirectory, "image-" + sources.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        try
        {
            await loader.UnpackAsync(image, directory, IgnoreList.Create(directory, [], readMountInfo: false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RegistryException or LayerFormatException)
        {
            throw new InvalidOperationException($"--from={from}: {e.Message}", e);
        }

        var source = new CopySource($"image {from}", directory, null);
        sources[key] = source;
        return source;
    }

    /// <summary>Reads the Dockerfile, bounded: a device or a runaway file gives an error, not an endless read.</summary>
    private async Task<string> ReadDockerfileAsync(CancellationToken cancellationToken)
    {
        const int limit = 64 << 20;

        // Opening a fifo blocks until a writer comes, where no signal can end the wait: refuse it first.
        var target = File.ResolveLinkTarget(options.DockerfilePath, returnFinalTarget: true)?.FullName ?? options.DockerfilePath;
        if (Filesystem.Native.Posix.TryLStat(target, out var status) && status.Type is Filesystem.Native.FileStatus.TypeFifo or Filesystem.Native.FileStatus.TypeSocket)
        {
            throw new UsageException($"--dockerfile {options.DockerfilePath} is a {(status.Type == Filesystem.Native.FileStatus.TypeFifo ? "fifo" : "socket")}, not a file: give the path of the Dockerfile itself");
        }

        using var reader = new StreamReader(options.DockerfilePath, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var text = new System.Text.StringBuilder();
        var buffer = new char[1 << 16];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > limit)
            {
                throw new UsageException($"{options.DockerfilePath} is larger than {limit >> 20} MiB: is --dockerfile the right file?");
            }
        }

        return text.ToString();
    }

    /// <summary>Mistakes that would otherwise show only after the build, or do harm before it.</summary>
    private void ValidateOptions()
    {
        if (options.IsContainerMode && !options.DryRun && !options.Force && !ContainerDetection.IsInContainer())
        {
            throw new UsageException(
                "refusing to build into /: this does not look like the executor's own container, and a build into / deletes the files of /. " +
                "Pass --root DIR to build in a folder, or --force if this really is a container made for the build");
        }

        if (!Directory.Exists(options.ContextPath))
        {
            throw new UsageException($"--context {options.ContextPath} does not exist or is not a directory");
        }

        if (!options.IsContainerMode)
        {
            if (File.Exists(options.RootPath))
            {
                throw new UsageException($"--root {options.RootPath} is a file: give a new or empty folder");
            }

            if (IsInside(options.KanikoDir, options.RootPath) || IsInside(options.RootPath, options.KanikoDir))
            {
                throw new UsageException($"--kaniko-dir {options.KanikoDir} and --root {options.RootPath} must not contain each other: the executor's folder is never part of the image");
            }

            if (Directory.Exists(options.RootPath) && Directory.EnumerateFileSystemEntries(options.RootPath).Any())
            {
                throw new UsageException($"--root {options.RootPath} is not empty: give a new or empty folder (the build replaces everything in it)");
            }
        }

        foreach (var (flag, path) in new[]
        {
            ("--digest-file", options.DigestFile),
            ("--image-name-with-digest-file", options.ImageNameWithDigestFile),
            ("--image-name-tag-with-digest-file", options.ImageNameTagWithDigestFile),
            ("--tar-path", options.TarPath),
        })
        {
            if (path is null)
            {
                continue;
            }

            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new UsageException($"{flag} {path} is a directory: name a file");
            }

            var parent = Path.GetDirectoryName(full);
            if (parent is not null && File.Exists(parent))
            {
                throw new UsageException($"{flag} {path}: {parent} is a file, not a directory");
            }
        }

        // Checked before the build, so a mistyped path does not cost the whole build at the end.
        if (options.OciLayoutPath is { } layout)
        {
            var full = Path.GetFullPath(layout);
            if (File.Exists(full))
            {
                throw new UsageException($"--oci-layout-path {layout} is a file: name a directory (new, or an OCI layout to add the image to)");
            }

            var parent = Path.GetDirectoryName(full);
            if (parent is not null && File.Exists(parent))
            {
                throw new UsageException($"--oci-layout-path {layout}: {parent} is a file, not a directory");
            }
        }
    }

    private static bool IsInside(string path, string folder)
    {
        var normalizedFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + "/";
        var normalizedPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + "/";
        return normalizedPath.StartsWith(normalizedFolder, StringComparison.Ordinal);
    }

    private void PrepareRoot(string root, IgnoreList ignore)
    {
        if (options.IsContainerMode)
        {
            if (options.CleanRoot)
            {
                Log.CleaningRoot(logger);
                RootCleaner.DeleteAllExceptIgnored(root, ignore);
            }

            return;
        }

        Directory.CreateDirectory(root);
    }

    private CopySource CreateContextSource()
    {
        if (!Directory.Exists(options.ContextPath))
        {
            throw new UsageException($"the build context {options.ContextPath} does not exist: pass --context DIR");
        }

        var ignoreFile = DockerIgnoreFile.Load(options.ContextPath, options.DockerfilePath);
        return new CopySource("the build context", options.ContextPath, ignoreFile.IsExcluded);
    }

    /// <summary>SOURCE_DATE_EPOCH (environment or build arg) when set, else the Unix epoch with --reproducible, else now.</summary>
    private DateTimeOffset CreationTime() =>
        SourceDateEpoch() ?? (options.Reproducible ? DateTimeOffset.UnixEpoch : DateTimeOffset.UtcNow);

    private DateTimeOffset? SourceDateEpoch()
    {
        var text = options.BuildArgs.GetValueOrDefault("SOURCE_DATE_EPOCH") ?? Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new UsageException($"SOURCE_DATE_EPOCH '{text}' is not a number of seconds since 1970");
    }

    private RegistryClientOptions ClientOptions(string? pushToken) => new()
    {
        PushIgnoreImmutableTagErrors = options.PushIgnoreImmutableTagErrors,
        AllInsecure = options.Insecure || options.InsecurePull,
        InsecureRegistries = options.InsecureRegistries,
        SkipTlsVerify = options.SkipTlsVerify,
        RegistryProxy = options.RegistryProxy,
        PushToken = pushToken,
        Retries = Math.Max(3, Math.Max(options.PushRetry, options.ImageDownloadRetry)),
    };

    private static ImageReference ParseDestination(string text) =>
        ImageReference.TryParse(text, out var reference) && reference is not null
            ? reference
            : throw new UsageException($"--destination '{text}' is not a valid image reference (e.g. registry.example.com/group/app:1.0)");

    /// <summary>--tar-path and --oci-layout-path: the same image as files, for a later push or a local run.</summary>
    private async Task WriteLocalOutputsAsync(ImageContent content, IReadOnlyList<ImageReference> destinations, CancellationToken cancellationToken)
    {
        if (options.OciLayoutPath is { } layout)
        {
            await OciLayout.WriteAsync(layout, content, destinations.FirstOrDefault()?.Tag ?? "latest", cancellationToken).ConfigureAwait(false);
            Log.WroteOutput(logger, "OCI layout", layout);
        }

        if (options.TarPath is { } tarball)
        {
            await DockerArchive.WriteAsync(tarball, content, destinations.Select(d => d.ToString()).ToList(), cancellationToken).ConfigureAwait(false);
            Log.WroteOutput(logger, "docker-save tarball", tarball);
        }
    }

    private Task WriteDigestFilesAsync(Digest digest, IReadOnlyList<ImageReference> destinations, CancellationToken cancellationToken) =>
        DigestFiles.WriteAsync(digest, destinations, options.DigestFile, options.ImageNameWithDigestFile, options.ImageNameTagWithDigestFile, cancellationToken);
}
