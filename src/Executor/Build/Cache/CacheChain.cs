using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Image;
using Kaniko.Executor.Planning;

namespace Kaniko.Executor.Build.Cache;

/// <summary>What the cache does with one step: its key, whether to look it up, whether to store its layer.</summary>
public sealed record CacheStep(string Key, bool LookUp, bool Store);

/// <summary>Which cache flag governs a step.</summary>
public enum CacheStepKind
{
    /// <summary>Config-only instructions and WORKDIR: always run, never stored, but part of the chain.</summary>
    NotCached,

    /// <summary>RUN (--cache-run-layers).</summary>
    Run,

    /// <summary>COPY and ADD (--cache-copy-layers).</summary>
    Copy,
}

/// <summary>
/// One stage's chain of cache keys. The first key names the base (the digest of the base image's config, or
/// the last key of the stage it is built on) and how layers are written; each instruction's key hashes the
/// key before it with the instruction as written, the ARG and ENV values it sees and what it reads (RUN:
/// the command as run; COPY/ADD: the content and metadata of the files copied). Once a step misses, later
/// steps of the stage are not looked up (kaniko's rule: their inputs include a layer just built).
/// </summary>
public sealed class CacheChain
{
    private const string FormatVersion = "kaniko.net layer cache 1";
    private readonly LayerCache _cache;
    private bool _missed;
    private bool _abandoned;

    public CacheChain(LayerCache cache, StageImage baseImage)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(baseImage);
        _cache = cache;
        using var hasher = new CacheKeyHasher();
        hasher.Add(FormatVersion).Add(cache.Options.LayerFormat);
        if (baseImage.CacheKey is { } stageKey)
        {
            hasher.Add("stage").Add(stageKey);
        }
        else
        {
            hasher.Add("image").Add(Digest.Sha256Of(ImageJson.Serialize(baseImage.Config)).ToString());
        }

        Key = hasher.Finish();
    }

    /// <summary>The key of the last instruction so far.</summary>
    public string Key { get; private set; }

    /// <summary>What a stage built on this one starts its chain from; null once the chain was abandoned.</summary>
    public string? StageKey => _abandoned ? null : Key;

    /// <summary>
    /// Moves the chain past an instruction. Call it before the instruction changes the state, with the
    /// variables it sees and the details of what it reads.
    /// </summary>
    public CacheStep Advance(Instruction written, IReadOnlyDictionary<string, string> variables, CacheStepKind kind, IReadOnlyList<string> details)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(details);
        using var hasher = new CacheKeyHasher();
        hasher.Add(Key).Add(written.GetType().Name).Add(written.Text);

        // Proxy args reach RUN steps but, as in BuildKit, do not change what a step builds.
        var visible = variables.Where(v => !PredefinedArgs.IsProxyArg(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
        hasher.Add(visible.Count);
        foreach (var (name, value) in visible)
        {
            hasher.Add(name).Add(value);
        }

        hasher.Add(details.Count);
        foreach (var detail in details)
        {
            hasher.Add(detail);
        }

        Key = hasher.Finish();
        var cached = kind switch
        {
            CacheStepKind.Run => _cache.Options.CacheRunLayers,
            CacheStepKind.Copy => _cache.Options.CacheCopyLayers,
            _ => false,
        };
        return new CacheStep(Key, cached && !_missed && !_abandoned && _cache.CanLookUp, cached && !_abandoned && _cache.CanStore);
    }

    /// <summary>A lookup missed: later steps of this stage are built, not looked up.</summary>
    public void MarkMissed() => _missed = true;

    /// <summary>
    /// A step's inputs could not be read for its key (the step itself will then say why): nothing after it
    /// in this stage is looked up or stored, and stages built on it start from their base image's config.
    /// </summary>
    public void Abandon()
    {
        _abandoned = true;
        _missed = true;
    }
}
