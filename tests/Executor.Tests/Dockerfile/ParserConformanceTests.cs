using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class ParserConformanceTests
{
    public static TheoryData<string> PositiveCases() => CaseNames("parser-positive");

    public static TheoryData<string> NegativeCases() => CaseNames("parser-negative");

    [ConformanceTheory]
    [MemberData(nameof(PositiveCases))]
    public void Positive_case_renders_exactly_as_buildkit(string caseName)
    {
        var folder = Path.Combine(ConformanceData.BuildKit, "parser-positive", caseName);
        var text = File.ReadAllText(Path.Combine(folder, "Dockerfile"));
        var expected = File.ReadAllText(Path.Combine(folder, "result")).TrimEnd('\n');

        var parsed = DockerfileParser.Parse(text, "Dockerfile");

        Assert.Equal(expected, AstPrinter.Print(parsed).TrimEnd('\n'));
    }

    [ConformanceTheory]
    [MemberData(nameof(NegativeCases))]
    public void Negative_case_is_rejected_with_a_located_error(string caseName)
    {
        var path = Path.Combine(ConformanceData.BuildKit, "parser-negative", caseName, "Dockerfile");
        var text = File.ReadAllText(path);

        var error = Assert.Throws<DockerfileException>(() => Kaniko.Executor.Dockerfile.Instructions.DockerfileReader.Read(text, "Dockerfile"));

        Assert.StartsWith("Dockerfile:", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Location);
    }

    [ConformanceFact]
    public void Every_conformance_folder_has_cases()
    {
        Assert.NotEmpty(PositiveCases());
        Assert.NotEmpty(NegativeCases());
    }

    private static TheoryData<string> CaseNames(string kind)
    {
        var data = new TheoryData<string>();
        if (!ConformanceData.IsAvailable)
        {
            return data;
        }

        foreach (var directory in Directory.GetDirectories(Path.Combine(ConformanceData.BuildKit, kind)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory));
        }

        return data;
    }
}
