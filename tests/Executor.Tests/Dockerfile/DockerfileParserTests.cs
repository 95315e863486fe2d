using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class DockerfileParserTests
{
    private static ParsedDockerfile Parse(string text) => DockerfileParser.Parse(text, "Dockerfile");

    private static string Dump(string text) => AstPrinter.Print(Parse(text)).TrimEnd('\n');

    [Fact]
    public void Keywords_are_case_insensitive_and_keep_their_spelling()
    {
        var node = Assert.Single(Parse("fRoM alpine\n").Nodes);

        Assert.Equal("fRoM", node.Keyword);
        Assert.Equal("from", node.Instruction);
    }

    [Fact]
    public void Lines_span_continuations_comments_and_blank_lines()
    {
        var parsed = Parse("FROM a\n\nRUN one \\\n# comment\n\n  two\nRUN three\n");

        Assert.Equal([(1, 1), (3, 6), (7, 7)], parsed.Nodes.Select(node => (node.StartLine, node.EndLine)));
        Assert.Equal("one   two", parsed.Nodes[1].Arguments[0]);
        Assert.Single(parsed.Warnings);
    }

    [Fact]
    public void Crlf_line_endings_and_a_byte_order_mark_are_accepted()
    {
        Assert.Equal("(from \"alpine\")\n(run \"a  b\")", Dump("\uFEFFFROM alpine\r\nRUN a \\\r\n b\r\n"));
    }

    [Fact]
    public void Directives_are_read_only_at_the_top()
    {
        var parsed = Parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\n");

        Assert.Equal('`', parsed.EscapeChar);
        Assert.Equal("docker/dockerfile:1", parsed.Directives["syntax"]);
        Assert.Equal("skip=all", parsed.Directives["check"]);
        Assert.Equal('\\', Parse("FROM a\n# escape=`\nRUN x\n").EscapeChar);
        Assert.Equal('\\', Parse("# hello\n# escape=`\nFROM a\n").EscapeChar);
    }

    [Fact]
    public void Repeated_directive_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("# escape=`\n# escape=\\\nFROM a\n"));

        Assert.StartsWith("Dockerfile:2: only one escape parser directive can be used", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_escape_token_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("# escape=x\nFROM a\n"));

        Assert.Contains("invalid escape token 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nul_byte_in_an_instruction_is_an_error_at_its_line()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("FROM a\nCOPY a /\0b\n"));

        Assert.StartsWith("Dockerfile:2: NUL character", error.Message, StringComparison.Ordinal);
        Assert.Contains("--dockerfile", error.Message, StringComparison.Ordinal);
        Assert.Single(Parse("FROM a\n# a comment with \0\n").Nodes);
    }

    [Fact]
    public void Flags_stop_at_the_first_non_flag_word()
    {
        var node = Assert.Single(Parse("COPY --from=build --chmod=755 --link a --notaflag b\n").Nodes);

        Assert.Equal(["--from=build", "--chmod=755", "--link"], node.Flags);
        Assert.Equal(["a", "--notaflag", "b"], node.Arguments);
    }

    [Fact]
    public void Flag_values_may_be_quoted()
    {
        var node = Assert.Single(Parse("RUN --mount=\"type=cache,target=/root/.cache\" make\n").Nodes);

        Assert.Equal(["--mount=type=cache,target=/root/.cache"], node.Flags);
    }

    [Theory]
    [InlineData("CMD [\"a\", 1]")]
    [InlineData("RUN [\"a\", null]")]
    [InlineData("ENTRYPOINT [[\"nested\"]]")]
    [InlineData("COPY [\"a\", {\"b\": 1}]")]
    public void Json_array_with_non_strings_is_an_error(string line)
    {
        var error = Assert.Throws<DockerfileException>(() => Parse(line));

        Assert.Contains("arrays must be comprised of strings only", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CMD [\"a\" \"b\"]", "(cmd \"[\\\"a\\\" \\\"b\\\"]\")")]
    [InlineData("CMD [\"a\"] trailing", "(cmd \"[\\\"a\\\"] trailing\")")]
    [InlineData("CMD [\"\\u00e9\\ud83d\\ude00\"]", "(cmd \"é😀\")")]
    [InlineData("CMD [\"a\",]", "(cmd \"[\\\"a\\\",]\")")]
    [InlineData("COPY [\"a b\" ] c", "(copy \"[\\\"a\" \"b\\\"\" \"]\" \"c\")")]
    public void Invalid_json_falls_back_to_shell_form(string line, string expected)
    {
        Assert.Equal(expected, Dump(line));
    }

    [Fact]
    public void Unknown_instructions_parse_without_arguments()
    {
        var node = Assert.Single(Parse("COPPY a b\n").Nodes);

        Assert.Equal("coppy", node.Instruction);
        Assert.Empty(node.Arguments);
    }

    [Fact]
    public void Only_comments_and_blank_lines_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("# a\n\n   \n"));

        Assert.Contains("file with no instructions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_without_value_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("FROM a\nENV PATH\n"));

        Assert.StartsWith("Dockerfile:2: ENV must have two arguments", error.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("Dockerfile", 2, 2), error.Location);
    }

    [Fact]
    public void Label_pair_without_equals_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse("LABEL a=b c\n"));

        Assert.Contains("can't find = in \"c\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onbuild_wraps_its_trigger()
    {
        Assert.Equal("(onbuild (copy [\"--chown=1\"] \"a\" \"b\"))", Dump("ONBUILD COPY --chown=1 a b"));
    }

    [Fact]
    public void Escaped_escape_at_end_of_line_does_not_continue()
    {
        Assert.Equal("(run \"echo \\\\\\\\\")\n(run \"next\")", Dump("RUN echo \\\\\nRUN next\n"));
    }
}
