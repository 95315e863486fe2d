using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class ExpansionConformanceTests
{
    private static readonly Dictionary<string, string> _envVarTestEnvironment = new()
    {
        ["PWD"] = "/home",
        ["SHELL"] = "bash",
        ["KOREAN"] = "한국어",
        ["NULL"] = "",
    };

    public static TheoryData<int, string, string> EnvVarCases()
    {
        var data = new TheoryData<int, string, string>();
        if (!ConformanceData.IsAvailable)
        {
            return data;
        }

        var lines = File.ReadAllLines(Path.Combine(ConformanceData.BuildKit, "envVarTest"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('|');
            var platform = fields[0].Trim();
            if (platform is "A" or "U")
            {
                data.Add(i + 1, fields[1].Trim(), fields[2].Trim());
            }
        }

        return data;
    }

    /// <summary>Line number, environment (name=value lines) in effect, input, expected words.</summary>
    public static TheoryData<int, string, string, string> WordsCases()
    {
        var data = new TheoryData<int, string, string, string>();
        if (!ConformanceData.IsAvailable)
        {
            return data;
        }

        var environment = new List<string>();
        var lines = File.ReadAllLines(Path.Combine(ConformanceData.BuildKit, "wordsTest"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("ENV ", StringComparison.Ordinal))
            {
                environment.Add(line[3..].TrimStart(' '));
                continue;
            }

            var fields = line.Split('|');
            data.Add(i + 1, string.Join('\n', environment), fields[0].Trim(), fields[1].TrimStart(' '));
        }

        return data;
    }

    [ConformanceTheory]
    [MemberData(nameof(EnvVarCases))]
    public void EnvVarTest_row_expands_as_buildkit(int line, string input, string expected)
    {
        var expander = new ShellWordExpander('\\', _envVarTestEnvironment);

        if (expected == "error")
        {
            Assert.Throws<DockerfileException>(() => expander.ExpandWord(input));
            return;
        }

        Assert.True(line > 0);
        Assert.Equal(expected, expander.ExpandWord(input));
    }

    [ConformanceTheory]
    [MemberData(nameof(WordsCases))]
    public void WordsTest_row_splits_as_buildkit(int line, string environment, string input, string expected)
    {
        var variables = new Dictionary<string, string>();
        foreach (var entry in environment.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=');
            var name = equals < 0 ? entry : entry[..equals];
            variables.TryAdd(name, equals < 0 ? "" : entry[(equals + 1)..]);
        }

        var expander = new ShellWordExpander('\\', variables);

        if (expected == "error")
        {
            Assert.Throws<DockerfileException>(() => expander.ExpandWords(input));
            return;
        }

        Assert.True(line > 0);
        Assert.Equal(expected.Split(','), expander.ExpandWords(input));
    }
}
