using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests;

/// <summary>
/// Our two programs as separate processes, the way CI runs them: the executor with a clean environment,
/// the proxy with the credentials in its own environment only.
/// </summary>
internal static class Programs
{
    /// <summary>The environment the executor gets: enough to run, and nothing else.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExecutorEnvironment = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin",
        ["HOME"] = "/root",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public static async Task<ProcessResult> RunExecutorAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var options = new ProcessOptions { Timeout = TimeSpan.FromMinutes(5), CheckExitCode = false };
        var cleanEnvironment = ExecutorEnvironment.Select(p => $"{p.Key}={p.Value}");
        return await ProcessRunner.RunAsync("env", ["-i", .. cleanEnvironment, "dotnet", Dll("executor"), .. arguments], options, cancellationToken);
    }

    /// <summary>
    /// A program's dll in its own build output (same configuration as the tests): next to its own
    /// deps.json, unlike the copy in the test folder, which lacks the program's package assemblies.
    /// </summary>
    public static string Dll(string name)
    {
        var project = name switch
        {
            "executor" => "Executor",
            "credproxy" => "CredProxy",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not one of our programs"),
        };
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var path = Path.Combine(Kaniko.TestKit.TestBed.RepoRoot, "src", project, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first", path);
    }
}

/// <summary>A running credproxy, started with the given environment; its listening address is read from stdout.</summary>
internal sealed class CredProxyProcess : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private CredProxyProcess(BackgroundProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output => _process.Output;

    public static async Task<CredProxyProcess> StartAsync(IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var process = BackgroundProcess.Start(
            "dotnet",
            [Programs.Dll("credproxy"), "--listen", "127.0.0.1:0", .. arguments],
            new ProcessOptions { Environment = environment.ToDictionary(p => p.Key, p => (string?)p.Value) });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var line = process.Output.Split('\n').FirstOrDefault(l => l.Contains("credproxy listening on ", StringComparison.Ordinal));
            if (line is not null)
            {
                var url = line[(line.IndexOf("credproxy listening on ", StringComparison.Ordinal) + "credproxy listening on ".Length)..].Trim();
                return new CredProxyProcess(process, new Uri(url));
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        var output = process.Output;
        await process.DisposeAsync();
        throw new InvalidOperationException($"credproxy did not start:\n{output}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
