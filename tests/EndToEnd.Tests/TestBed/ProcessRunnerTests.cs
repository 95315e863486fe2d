using System.Diagnostics;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class ProcessRunnerTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Failure_message_names_the_command_and_carries_stderr_with_credentials_masked()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => ProcessRunner.RunAsync(
            "sh", ["-c", "echo broken pipe dream >&2; exit 3", "--creds", "user:hunter2"], Ct));

        Assert.Equal(3, error.Result.ExitCode);
        Assert.Contains("exit code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("broken pipe dream", error.Message, StringComparison.Ordinal);
        Assert.Contains("--creds 'user:***'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_tree_even_when_a_grandchild_holds_the_pipes()
    {
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => ProcessRunner.RunAsync(
            "sh",
            ["-c", "sleep 30 & sleep 30"],
            new ProcessOptions { Timeout = TimeSpan.FromMilliseconds(300) },
            Ct));

        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), stopwatch.Elapsed.ToString());
    }

    [Fact]
    public async Task Stdin_and_environment_reach_the_child_only()
    {
        var result = await ProcessRunner.RunAsync(
            "sh",
            ["-c", "cat; echo \" $KANIKO_TESTKIT_PROBE\""],
            new ProcessOptions
            {
                StandardInput = "from stdin",
                Environment = new Dictionary<string, string?> { ["KANIKO_TESTKIT_PROBE"] = "set" },
            },
            Ct);

        Assert.Equal("from stdin set\n", result.StandardOutput);
        Assert.Null(Environment.GetEnvironmentVariable("KANIKO_TESTKIT_PROBE"));
    }
}
