using System.Globalization;

namespace Kaniko.Executor.Tests.Dockerfile;

/// <summary>
/// Nothing but DockerfileException may escape the front end. A few thousand inputs run by default;
/// set KANIKO_FUZZ_ITERATIONS (and optionally KANIKO_FUZZ_SEED) for a long run, or use bench/parser.
/// </summary>
public sealed class FrontEndFuzzTests
{
    private const int DefaultIterations = 3000;

    [Fact]
    public void Random_and_mutated_dockerfiles_only_raise_DockerfileException()
    {
        var iterations = ReadNumber("KANIKO_FUZZ_ITERATIONS") ?? DefaultIterations;
        var seed = ReadNumber("KANIKO_FUZZ_SEED") ?? 20261203;
        var fuzzer = new DockerfileFuzzer(seed, ConformanceDockerfiles());

        var failure = fuzzer.Run(iterations);

        Assert.Null(failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\\")]
    [InlineData("FROM a\nRUN <<EOF")]
    [InlineData("CMD [" + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")]
    [InlineData("FROM a\nENV A=${A/[/x}\n")]
    [InlineData("FROM ${A:?}\n")]
    [InlineData("FROM a\nCOPY --from=99999999999999999999 a b\n")]
    [InlineData("FROM a\nHEALTHCHECK --interval=99999999999999999999h CMD x\n")]
    [InlineData("FROM a\nWORKDIR ${A%\\}\n")]
    [InlineData("FROM \ud800\nRUN \udc00\n")]
    public void Known_edge_cases_only_raise_DockerfileException(string input)
    {
        Assert.Null(DockerfileFuzzer.Check(input));
    }

    private static int? ReadNumber(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static IEnumerable<string> ConformanceDockerfiles()
    {
        if (!ConformanceData.IsAvailable)
        {
            return [];
        }

        return Directory.GetFiles(ConformanceData.BuildKit, "Dockerfile", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
    }
}
