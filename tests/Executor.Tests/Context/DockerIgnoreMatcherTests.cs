using Kaniko.Executor.Context;
using Kaniko.Executor.Dockerfile;

namespace Kaniko.Executor.Tests.Context;

public sealed class DockerIgnoreMatcherTests
{
    [Theory]
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/README.md", false)]
    [InlineData("*/*.md", "docs/README.md", true)]
    [InlineData("**/*.md", "docs/deep/README.md", true)]
    [InlineData("**/*.md", "README.md", true)]
    [InlineData("docs", "docs/deep/README.md", true)]
    [InlineData("docs/**", "docs/a", true)]
    [InlineData("docs/**", "docs", false)]
    [InlineData("**", "anything/at/all", true)]
    [InlineData("**/node_modules", "a/b/node_modules/x.js", true)]
    [InlineData("**node_modules", "xnode_modules", true)]
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[^a-c]x", "bx", false)]
    [InlineData("[^a-c]x", "dx", true)]
    [InlineData("[]]x", "]x", true)]
    [InlineData("\\*x", "*x", true)]
    [InlineData("\\*x", "ax", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("/abs", "abs", true)]
    [InlineData("./rel/", "rel/file", true)]
    [InlineData("a/../b", "b", true)]
    [InlineData("temp?", "temp1/x", true)]
    [InlineData("(x)+", "(x)+", true)]
    public void Single_pattern_matches_like_docker(string pattern, string path, bool excluded)
    {
        var matcher = DockerIgnoreMatcher.Parse(pattern);

        Assert.Equal(excluded, matcher.IsExcluded(path));
    }

    [Fact]
    public void Last_matching_line_wins()
    {
        var matcher = DockerIgnoreMatcher.Parse("*.md\n!README.md\nREADME.md\n!docs/*.md\n");

        Assert.True(matcher.IsExcluded("CHANGES.md"));
        Assert.True(matcher.IsExcluded("README.md"));
        Assert.False(matcher.IsExcluded("docs/guide.md"));
        Assert.False(matcher.IsExcluded("main.go"));
    }

    [Fact]
    public void Exception_re_includes_a_file_inside_an_excluded_directory()
    {
        var matcher = DockerIgnoreMatcher.Parse("node_modules\n!node_modules/keep/me.js\n");

        Assert.True(matcher.IsExcluded("node_modules/other.js"));
        Assert.False(matcher.IsExcluded("node_modules/keep/me.js"));
        Assert.True(matcher.IsExcluded("node_modules"));
        Assert.True(matcher.MayContainIncludedPaths("node_modules"));
        Assert.True(matcher.MayContainIncludedPaths("node_modules/keep"));
        Assert.False(matcher.MayContainIncludedPaths("node_modules/drop"));
        Assert.False(matcher.CanSkipDirectory("node_modules"));
        Assert.True(matcher.CanSkipDirectory("node_modules/drop"));
    }

    [Fact]
    public void Wildcard_exceptions_keep_directories_walkable()
    {
        var matcher = DockerIgnoreMatcher.Parse("build\n!build/*/keep.txt\n!**/important\n");

        Assert.True(matcher.MayContainIncludedPaths("build/x"));
        Assert.True(matcher.MayContainIncludedPaths("anything"));
    }

    [Fact]
    public void Without_exceptions_excluded_directories_can_be_skipped()
    {
        var matcher = DockerIgnoreMatcher.Parse(".git\nbin/\n");

        Assert.True(matcher.CanSkipDirectory(".git"));
        Assert.True(matcher.CanSkipDirectory("bin"));
        Assert.False(matcher.CanSkipDirectory("src"));
        Assert.False(matcher.HasExceptions);
    }

    [Fact]
    public void Comments_blank_lines_and_crlf_are_ignored()
    {
        var matcher = DockerIgnoreMatcher.Parse("\uFEFF# comment\r\n\r\n   \r\n*.log\r\n # not a comment\r\n");

        Assert.Equal(["*.log", "# not a comment"], matcher.Patterns.Select(pattern => pattern.Pattern));
        Assert.True(matcher.IsExcluded("app.log"));
        Assert.True(matcher.IsExcluded("# not a comment"));
    }

    [Fact]
    public void Paths_are_normalized_before_matching()
    {
        var matcher = DockerIgnoreMatcher.Parse("secret/key");

        Assert.True(matcher.IsExcluded("./secret/key"));
        Assert.True(matcher.IsExcluded("secret\\key"));
        Assert.True(matcher.IsExcluded("secret//key"));
    }

    [Fact]
    public void A_bare_exclamation_mark_is_an_error_with_its_line()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerIgnoreMatcher.Parse("a\n!\n"));

        Assert.StartsWith(".dockerignore:2: illegal exclusion pattern", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unclosed_bracket_is_an_error()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerIgnoreMatcher.Parse("[abc"));

        Assert.StartsWith(".dockerignore:1: syntax error in pattern", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_matcher_excludes_nothing()
    {
        Assert.False(DockerIgnoreMatcher.Empty.IsExcluded("anything"));
        Assert.False(DockerIgnoreMatcher.Empty.CanSkipDirectory("dir"));
    }

    [Fact]
    public void Exception_with_a_class_spanning_a_slash_keeps_directories_walkable()
    {
        var matcher = DockerIgnoreMatcher.Parse("a\n!a[/]b\n");

        Assert.True(matcher.MayContainIncludedPaths("a"));
        Assert.False(matcher.CanSkipDirectory("a"));
    }
}
