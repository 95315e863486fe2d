using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>A Dockerfile as typed instructions, with what the parser found around them.</summary>
public sealed record DockerfileDocument(ParsedDockerfile Syntax, IReadOnlyList<Instruction> Instructions)
{
    public char EscapeChar => Syntax.EscapeChar;
}

/// <summary>Parses Dockerfile text into typed instructions.</summary>
public static class DockerfileReader
{
    public static DockerfileDocument Read(string text, string file = "Dockerfile")
    {
        var syntax = DockerfileParser.Parse(text, file);
        var instructions = new List<Instruction>(syntax.Nodes.Count);
        foreach (var node in syntax.Nodes)
        {
            instructions.Add(InstructionFactory.Create(node, file));
        }

        return new DockerfileDocument(syntax, instructions);
    }
}
