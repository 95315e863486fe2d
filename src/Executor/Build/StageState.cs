using Kaniko.Executor.Image;

namespace Kaniko.Executor.Build;

/// <summary>The mutable state of one stage while its instructions run; frozen into a <see cref="StageImage"/> at the end.</summary>
public sealed class StageState
{
    private readonly List<ImageLayer> _layers;
    private readonly List<HistoryEntry> _history;
    private readonly Dictionary<string, string> _args = new(StringComparer.Ordinal);

    public StageState(StageImage baseImage)
    {
        Config = baseImage.Config;
        _layers = [.. baseImage.Layers];
        _history = [.. baseImage.Config.History ?? []];
        if (!Environment.Any(v => v.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            // BuildKit gives every image a PATH, so RUN steps and containers find programs.
            SetEnvironment("PATH", StageDefaults.Path);
        }
    }

    public ImageConfig Config { get; private set; }

    public IReadOnlyList<ImageLayer> Layers => _layers;

    public IReadOnlyList<HistoryEntry> History => _history;

    /// <summary>ARGs declared in this stage, with their values (never written to the image config).</summary>
    public IReadOnlyDictionary<string, string> Args => _args;

    /// <summary>True once CMD is set in this stage; ENTRYPOINT only clears an inherited CMD.</summary>
    public bool CmdSetInStage { get; set; }

    public IReadOnlyList<string> Environment => Config.Config.Env ?? [];

    public IReadOnlyList<string> Shell => Config.Config.Shell is { Count: > 0 } shell ? shell : StageDefaults.Shell;

    public string WorkingDirectory => string.IsNullOrEmpty(Config.Config.WorkingDir) ? "/" : Config.Config.WorkingDir;

    public void UpdateContainerConfig(Func<ContainerConfig, ContainerConfig> change) =>
        Config = Config with { Config = change(Config.Config) };

    public void ReplaceConfig(ImageConfig config) => Config = config;

    public void SetEnvironment(string name, string value)
    {
        var prefix = name + "=";
        var env = Environment.Where(v => !v.StartsWith(prefix, StringComparison.Ordinal) && v != name).ToList();
        env.Add(prefix + value);
        UpdateContainerConfig(c => c with { Env = env });
    }

    public void SetArg(string name, string value) => _args[name] = value;

    /// <summary>The variables that expand in instructions: ARGs, overridden by ENV (BuildKit's rule).</summary>
    public Dictionary<string, string> ExpansionVariables()
    {
        var variables = new Dictionary<string, string>(_args, StringComparer.Ordinal);
        foreach (var (name, value) in EnvironmentPairs())
        {
            variables[name] = value;
        }

        return variables;
    }

    /// <summary>What a RUN step sees: the image's ENV plus declared ARGs that ENV does not override.</summary>
    public IReadOnlyList<string> RunEnvironment()
    {
        var env = Environment.ToList();
        var defined = EnvironmentPairs().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        env.AddRange(_args.Where(a => !defined.Contains(a.Key)).Select(a => $"{a.Key}={a.Value}"));
        return env;
    }

    public void AddLayer(ImageLayer layer, HistoryEntry history)
    {
        _layers.Add(layer);
        _history.Add(history with { EmptyLayer = null });
    }

    public void AddHistory(HistoryEntry history) => _history.Add(history with { EmptyLayer = true });

    public StageImage ToImage() => new(
        Config with
        {
            RootFs = new RootFs("layers", _layers.Select(l => l.DiffId).ToList()),
            History = _history.ToList(),
        },
        _layers.ToList());

    private IEnumerable<(string Name, string Value)> EnvironmentPairs() =>
        Environment.Select(v =>
        {
            var equals = v.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (v, string.Empty) : (v[..equals], v[(equals + 1)..]);
        });
}
