using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Build.Handlers;
using Kaniko.Executor.Build.Run;
using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Planning;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build;

/// <summary>Runs one stage's instructions over a prepared root and returns the stage's image.</summary>
public sealed class StageExecutor(StageServices services)
{
    private readonly UserResolver _users = new(path => ReadRootFile(services, path));

    /// <summary>The stage's cache keys with --cache; null without.</summary>
    private CacheChain? _chain;

    /// <summary>A cached layer was unpacked since the snapshot baseline was taken: record it anew before the next snapshot.</summary>
    private bool _baselineStale;

    public async Task<StageImage> ExecuteAsync(Stage stage, StageImage baseImage, CancellationToken cancellationToken)
    {
        var state = new StageState(baseImage);
        _chain = services.Cache is { } cache ? new CacheChain(cache, baseImage) : null;
        foreach (var (name, value) in PredefinedArgs.ProxyValues(services.BuildArgs))
        {
            state.SetArg(name, value);
        }

        var count = stage.Instructions.Count;
        for (var i = 0; i < count; i++)
        {
            var written = stage.Instructions[i];
            Log.Step(services.Logger, stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), i + 1, count, Log.Shorten(written.Text.Trim()));
            try
            {
                var instruction = written.Expand(new ShellWordExpander(services.EscapeChar, state.ExpansionVariables()));
                await ApplyAsync(written, instruction, state, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerfileException e) when (e.Location is null)
            {
                // Expansion and pattern errors know what is wrong, not where: place them at this instruction.
                throw e.At(written.Location, Log.Shorten(written.Text.Trim()));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or FormatException or RegistryException)
            {
                throw new BuildException(written.Location, Log.Shorten(written.Text.Trim()), e.Message, e);
            }
        }

        if (services.SingleSnapshot)
        {
            // kaniko's --single-snapshot: everything the stage changed becomes one layer at its end.
            var layer = await services.Snapshotter.TakeSnapshotAsync(services.LayersDirectory, cancellationToken).ConfigureAwait(false);
            if (layer is not null)
            {
                state.AddLayer(
                    new ImageLayer(layer.Descriptor, layer.DiffId, layer.Path),
                    new HistoryEntry { Created = services.Now(), CreatedBy = $"single snapshot of stage {stage.DisplayName}", Comment = "kaniko --single-snapshot" });
            }
        }

        return state.ToImage() with { CacheKey = _chain?.StageKey };
    }

    /// <param name="written">The instruction as written (its text is part of the cache key).</param>
    /// <param name="instruction">The same, expanded.</param>
    private async Task ApplyAsync(Instruction written, Instruction instruction, StageState state, CancellationToken cancellationToken)
    {
        switch (instruction)
        {
            case RunInstruction run:
                await RunAsync(written, run, state, cancellationToken).ConfigureAwait(false);
                return;
            case CopyInstruction copy:
                await CopyAsync(written, copy, state, cancellationToken).ConfigureAwait(false);
                return;
        }

        // Everything else always runs (it is cheap), but is part of the key of every later step.
        _chain?.Advance(written, state.ExpansionVariables(), CacheStepKind.NotCached, []);
        switch (instruction)
        {
            case WorkdirInstruction workdir:
                await WorkdirAsync(workdir, state, cancellationToken).ConfigureAwait(false);
                break;
            case ArgInstruction arg:
                DeclareArgs(arg, state);
                state.AddHistory(History(instruction));
                break;
            default:
                if (!ConfigHandler.TryApply(instruction, state))
                {
                    throw new InvalidOperationException($"the instruction is not supported here ({instruction.GetType().Name})");
                }

                state.AddHistory(History(instruction));
                break;
        }
    }

    private async Task RunAsync(Instruction written, RunInstruction run, StageState state, CancellationToken cancellationToken)
    {
        if (run.Mounts.Count > 0)
        {
            throw new InvalidOperationException("RUN --mount is not supported yet; remove the flag or run the step without it");
        }

        var argv = RunArguments(run, state);
        var step = _chain?.Advance(written, state.ExpansionVariables(), CacheStepKind.Run, argv);
        HistoryEntry History() => new()
        {
            Created = services.Now(),
            CreatedBy = HistoryText.ForRun(argv, state.Args, run.Command.IsShellForm),
            Comment = "buildkit.dockerfile.v0",
        };
        if (await TryRestoreAsync(step, written, state, History, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await EnsureBaselineAsync(cancellationToken).ConfigureAwait(false);
        var user = _users.Resolve(state.Config.Config.User, withSupplementaryGroups: true);
        new RootWriter(services.RootFs).CreateDirectories(state.WorkingDirectory, UserResolver.Root);
        var before = services.FolderGuard?.Fingerprint();
        Log.Running(services.Logger, Log.Shorten(string.Join(' ', argv)));
        var exitCode = await services.Launcher.RunAsync(
            new RunRequest(argv, state.RunEnvironment(), state.WorkingDirectory, user.Uid, user.Gid, user.SupplementaryGroups),
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"the command returned a non-zero code: {exitCode}");
        }

        if (services.FolderGuard is { } guard && guard.Fingerprint() != before)
        {
            throw new InvalidOperationException(
                "the step wrote into the executor's own folder, which is never part of the image, so the content would be lost. " +
                "Move the executor's folder elsewhere (KANIKO_DIR or --kaniko-dir) or write to another path.");
        }

        var layer = services.SingleSnapshot ? null : await services.Snapshotter.TakeSnapshotAsync(services.LayersDirectory, cancellationToken).ConfigureAwait(false);
        var history = History();
        Store(step, layer, history, cancellationToken);
        AddLayerOrHistory(state, layer, history);
    }

    private static IReadOnlyList<string> RunArguments(RunInstruction run, StageState state)
    {
        if (!run.Command.IsShellForm)
        {
            return run.Command.Arguments;
        }

        var script = run.Command.Arguments[0];
        if (run.Heredocs.Count == 1 && script.TrimStart().StartsWith("<<", StringComparison.Ordinal))
        {
            // RUN <<EOF: the heredoc is the script.
            return [.. state.Shell, run.Heredocs[0].Content];
        }

        if (run.Heredocs.Count > 0)
        {
            // Heredocs feed commands of the script: hand the shell the whole text, bodies included.
            var text = new System.Text.StringBuilder(script);
            foreach (var heredoc in run.Heredocs)
            {
                text.Append('\n').Append(heredoc.Content);
                if (!heredoc.Content.EndsWith('\n'))
                {
                    text.Append('\n');
                }

                text.Append(heredoc.Name);
            }

            script = text.ToString();
        }

        return [.. state.Shell, script];
    }

    private async Task CopyAsync(Instruction written, CopyInstruction copy, StageState state, CancellationToken cancellationToken)
    {
        if (copy.IsAdd && copy.Sources.Any(s => s.Contains("://", StringComparison.Ordinal) || s.StartsWith("git@", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("ADD from a URL or git repository is not supported yet; download the file in a RUN step or into the context");
        }

        var source = copy.From is null
            ? services.Context
            : await services.ResolveCopyFrom(copy.From, cancellationToken).ConfigureAwait(false);
        var step = AdvanceForCopy(written, copy, source, state, cancellationToken);
        if (await TryRestoreAsync(step, written, state, () => History(copy), cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await EnsureBaselineAsync(cancellationToken).ConfigureAwait(false);
        var handler = new CopyHandler(services.RootFs, services.Ignore, _users);
        var paths = await handler.ExecuteAsync(copy, source, state.WorkingDirectory, services.GlobMatch, cancellationToken).ConfigureAwait(false);
        var layer = services.SingleSnapshot ? null : await services.Snapshotter.TakeSnapshotOfPathsAsync(paths, services.LayersDirectory, cancellationToken).ConfigureAwait(false);
        var history = History(copy);
        Store(step, layer, history, cancellationToken);
        AddLayerOrHistory(state, layer, history);
    }

    /// <summary>The cache step of a COPY or ADD: its key covers the files it reads.</summary>
    private CacheStep? AdvanceForCopy(Instruction written, CopyInstruction copy, CopySource source, StageState state, CancellationToken cancellationToken)
    {
        if (_chain is null)
        {
            return null;
        }

        string content;
        try
        {
            content = CopySourceHasher.Hash(copy, source, services.GlobMatch, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The copy itself will report what is wrong; without a key nothing after it is cached.
            _chain.Abandon();
            return null;
        }

        return _chain.Advance(written, state.ExpansionVariables(), CacheStepKind.Copy, [content]);
    }

    /// <summary>On a cache hit: unpacks the step's layer and records it as the step would have; false on a miss.</summary>
    private async Task<bool> TryRestoreAsync(CacheStep? step, Instruction written, StageState state, Func<HistoryEntry> history, CancellationToken cancellationToken)
    {
        if (step is not { LookUp: true } || services.Cache is not { } cache)
        {
            return false;
        }

        var hit = await cache.LookupAsync(step.Key, Log.Shorten(written.Text.Trim()), cancellationToken).ConfigureAwait(false);
        if (hit is null)
        {
            _chain?.MarkMissed();
            return false;
        }

        if (hit.Layer is not { } layer)
        {
            state.AddHistory(history());
            return true;
        }

        var stream = File.OpenRead(layer.Path);
        await using (stream.ConfigureAwait(false))
        {
            await new LayerExtractor().ExtractAsync(stream, $"cached layer {layer.Descriptor.Digest}", services.RootPath, services.Ignore, cancellationToken).ConfigureAwait(false);
        }

        _baselineStale = true;
        state.AddLayer(layer, history());
        return true;
    }

    /// <summary>Stores a step's layer in the cache (in the background) when its key says so.</summary>
    private void Store(CacheStep? step, LayerFile? layer, HistoryEntry history, CancellationToken cancellationToken)
    {
        if (step is { Store: true } && services.Cache is { } cache)
        {
            cache.Store(step.Key, layer is null ? null : new ImageLayer(layer.Descriptor, layer.DiffId, layer.Path), history, cancellationToken);
        }
    }

    private async Task EnsureBaselineAsync(CancellationToken cancellationToken)
    {
        if (_baselineStale)
        {
            await services.Snapshotter.InitializeAsync(cancellationToken).ConfigureAwait(false);
            _baselineStale = false;
        }
    }

    private async Task WorkdirAsync(WorkdirInstruction workdir, StageState state, CancellationToken cancellationToken)
    {
        var path = CopyHandler.CombineInside(state.WorkingDirectory, workdir.Path);
        await EnsureBaselineAsync(cancellationToken).ConfigureAwait(false);
        state.UpdateContainerConfig(c => c with { WorkingDir = path });
        var created = new RootWriter(services.RootFs).CreateDirectories(path, UserResolver.Root);
        var layer = created is null || services.SingleSnapshot
            ? null
            : await services.Snapshotter.TakeSnapshotOfPathsAsync([created], services.LayersDirectory, cancellationToken).ConfigureAwait(false);
        AddLayerOrHistory(state, layer, History(workdir));
    }

    private void DeclareArgs(ArgInstruction arg, StageState state)
    {
        foreach (var declaration in arg.Arguments)
        {
            // --build-arg wins, then the default written here, then a global ARG of that name, then the builder's own value.
            var value = services.BuildArgs.TryGetValue(declaration.Name, out var given) ? given
                : declaration.DefaultValue
                ?? (services.InheritedArgs.TryGetValue(declaration.Name, out var inherited) ? inherited : null)
                ?? PredefinedArgs.DefaultValue(declaration.Name, services.BuildArgs, services.Platforms);
            if (value is not null)
            {
                state.SetArg(declaration.Name, value);
            }
        }
    }

    private static void AddLayerOrHistory(StageState state, LayerFile? layer, HistoryEntry history)
    {
        if (layer is null)
        {
            state.AddHistory(history);
            return;
        }

        state.AddLayer(new ImageLayer(layer.Descriptor, layer.DiffId, layer.Path), history);
    }

    private HistoryEntry History(Instruction instruction) => new()
    {
        Created = services.Now(),
        CreatedBy = HistoryText.ForInstruction(instruction),
        Comment = "buildkit.dockerfile.v0",
    };

    private static string? ReadRootFile(StageServices services, string pathInsideRoot)
    {
        var hostPath = services.RootFs.Resolve(pathInsideRoot, followFinalSymlink: true);
        return File.Exists(hostPath) ? File.ReadAllText(hostPath) : null;
    }
}
