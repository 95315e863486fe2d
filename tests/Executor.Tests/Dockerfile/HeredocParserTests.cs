using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class HeredocParserTests
{
    private static SyntaxNode ParseSingle(string text) => Assert.Single(DockerfileParser.Parse(text, "Dockerfile").Nodes);

    [Fact]
    public void Run_heredoc_body_is_attached_with_its_newlines()
    {
        var node = ParseSingle("RUN <<EOF\necho hello\necho world\nEOF\n");

        Assert.Equal(["<<EOF"], node.Arguments);
        var heredoc = Assert.Single(node.Heredocs);
        Assert.Equal(new ParsedHeredoc("EOF", 0, true, false, "echo hello\necho world\n"), heredoc);
        Assert.Equal((1, 4), (node.StartLine, node.EndLine));
    }

    [Theory]
    [InlineData("<<'EOF'")]
    [InlineData("<<\"EOF\"")]
    [InlineData("<<E'O'F")]
    public void Quoted_names_disable_expansion(string opener)
    {
        var heredoc = Assert.Single(ParseSingle($"RUN cat {opener}\n$HOME\nEOF\n").Heredocs);

        Assert.Equal("EOF", heredoc.Name);
        Assert.False(heredoc.Expand);
    }

    [Fact]
    public void Dash_allows_an_indented_terminator()
    {
        var heredoc = Assert.Single(ParseSingle("RUN <<-EOT\n\techo hi\n\t\tEOT\n").Heredocs);

        Assert.True(heredoc.Chomp);
        Assert.Equal("\techo hi\n", heredoc.Content);
    }

    [Fact]
    public void Several_heredocs_on_one_line_are_read_in_order()
    {
        var node = ParseSingle("COPY <<one.txt <<two.txt /dest/\nfirst\none.txt\nsecond\ntwo.txt\nRUN x\n".Split("RUN x")[0]);

        Assert.Equal(["one.txt", "two.txt"], node.Heredocs.Select(heredoc => heredoc.Name));
        Assert.Equal(["first\n", "second\n"], node.Heredocs.Select(heredoc => heredoc.Content));
    }

    [Fact]
    public void File_descriptor_prefix_is_kept()
    {
        var heredoc = Assert.Single(ParseSingle("RUN cat 3<<EOF\nx\nEOF\n").Heredocs);

        Assert.Equal(3, heredoc.FileDescriptor);
    }

    [Fact]
    public void Instructions_after_a_heredoc_continue_normally()
    {
        var parsed = DockerfileParser.Parse("FROM a\nRUN <<EOF\nRUN not an instruction\nEOF\nRUN after\n", "Dockerfile");

        Assert.Equal(["from", "run", "run"], parsed.Nodes.Select(node => node.Instruction));
        Assert.Equal("after", parsed.Nodes[2].Arguments[0]);
        Assert.Equal(5, parsed.Nodes[2].StartLine);
    }

    [Theory]
    [InlineData("RUN [\"cat\", \"<<EOF\"]\nFROM x\n")]
    [InlineData("RUN echo \"<<EOF\"\nFROM x\n")]
    [InlineData("ENV A=<<EOF\nFROM x\n")]
    public void Json_form_quotes_and_other_instructions_have_no_heredocs(string text)
    {
        var parsed = DockerfileParser.Parse(text, "Dockerfile");

        Assert.Equal(2, parsed.Nodes.Count);
        Assert.Empty(parsed.Nodes[0].Heredocs);
    }

    [Fact]
    public void Onbuild_trigger_may_carry_a_heredoc()
    {
        var node = ParseSingle("ONBUILD RUN <<EOF\necho hi\nEOF\n");

        Assert.Equal("echo hi\n", Assert.Single(node.Heredocs).Content);
    }

    [Fact]
    public void Unterminated_heredoc_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse("FROM a\nRUN <<EOF\necho\n", "Dockerfile"));

        Assert.StartsWith("Dockerfile:2: unterminated heredoc EOF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heredoc_bodies_across_a_whole_file()
    {
        var parsed = DockerfileParser.Parse(
            """
            FROM busybox
            WORKDIR <<NOTHERE
            NOTHERE
            RUN <<NONE
            NONE
            RUN 5<<FD
            FD
            RUN '<<QUOTED'
            RUN <<KEEP
            \tone
            \ttwo
            KEEP
            RUN <<-TABS
            \tthree
            \t\tTABS
            RUN <<HASH
            # stays in the body
            echo # and this
            HASH
            RUN --mount=type=tmpfs,target=/t <<WITHFLAG
            x
            WITHFLAG
            COPY <<A <<B /dest/
            B
            A
            A
            B
            """.Replace("\\t", "\t", StringComparison.Ordinal),
            "Dockerfile");

        string Describe(SyntaxNode node) => string.Join("|", node.Heredocs.Select(h => $"{h.Name}:{h.FileDescriptor}:{h.Expand}:{h.Chomp}:{h.Content}"));

        Assert.Equal(
            [
                "",
                "",
                "",
                "NONE:0:True:False:",
                "FD:5:True:False:",
                "",
                "KEEP:0:True:False:\tone\n\ttwo\n",
                "TABS:0:True:True:\tthree\n",
                "HASH:0:True:False:# stays in the body\necho # and this\n",
                "WITHFLAG:0:True:False:x\n",
                "A:0:True:False:B\n|B:0:True:False:A\n",
            ],
            parsed.Nodes.Select(Describe));
    }

    [Theory]
    [InlineData("<<EOF", "EOF")]
    [InlineData("<<-'EOF'", "EOF")]
    [InlineData("<<\"EOF\"", "EOF")]
    [InlineData("<<", null)]
    [InlineData("<<-", null)]
    [InlineData("<EOF", null)]
    [InlineData("<<<EOF", null)]
    [InlineData("EOF", null)]
    public void Marker_words(string word, string? name)
    {
        Assert.Equal(name, HeredocMarker.FromWord(word)?.Name);
    }

    [Theory]
    [InlineData("<<'EOF")]
    [InlineData("<<EOF\"")]
    public void Unbalanced_quotes_in_a_marker_are_errors_but_not_markers_for_copy(string word)
    {
        Assert.Throws<DockerfileException>(() => HeredocMarker.FromWord(word));
        Assert.Null(HeredocMarker.TryFromWord(word));
    }
}
