namespace Kaniko.TestKit;

/// <summary>
/// Where the repository and the test-bed scripts are, and the one-time install of their packages.
/// </summary>
public static class TestBed
{
    private static readonly Lazy<string> _repoRoot = new(FindRepoRoot, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly SemaphoreSlim _installGate = new(1, 1);
    private static volatile bool _installed;

    /// <summary>The folder that holds Kaniko.sln.</summary>
    public static string RepoRoot => _repoRoot.Value;

    public static string ScriptsDirectory => Path.Combine(RepoRoot, "scripts", "testbed");

    /// <summary><c>$KANIKO_TESTBED_CACHE</c>, or <c>&lt;repo&gt;/.testbed/cache</c>.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("KANIKO_TESTBED_CACHE") is { Length: > 0 } cache
            ? cache
            : Path.Combine(RepoRoot, ".testbed", "cache");

    public static string Script(string name) => Path.Combine(ScriptsDirectory, name);

    /// <summary>Runs scripts/testbed/install.sh once per process (again only if it failed).</summary>
    public static async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        if (_installed)
        {
            return;
        }

        await _installGate.WaitAsync(cancellationToken);
        try
        {
            if (!_installed)
            {
                await ProcessRunner.RunAsync(
                    Script("install.sh"), [], new ProcessOptions { Timeout = TimeSpan.FromMinutes(10) }, cancellationToken);
                _installed = true;
            }
        }
        finally
        {
            _installGate.Release();
        }
    }

    /// <summary>Runs a test-bed script (after the install) and returns its result.</summary>
    public static async Task<ProcessResult> RunScriptAsync(
        string name, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnsureInstalledAsync(cancellationToken);
        return await ProcessRunner.RunAsync(
            Script(name), arguments, new ProcessOptions { Timeout = timeout }, cancellationToken);
    }

    /// <summary>
    /// Publishes a project of the repository (default the executor) as a fully static NativeAOT binary,
    /// cached by a hash of src/ and the build files (first time ~20 s to minutes). Returns its path.
    /// </summary>
    public static async Task<string> PublishStaticAsync(string project, CancellationToken cancellationToken)
    {
        var result = await RunScriptAsync("publish-static.sh", [project], TimeSpan.FromMinutes(15), cancellationToken);
        return result.StandardOutput.Trim();
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Kaniko.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Kaniko.sln not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}.");
    }
}
