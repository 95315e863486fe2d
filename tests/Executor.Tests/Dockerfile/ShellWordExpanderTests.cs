using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class ShellWordExpanderTests
{
    private static readonly ShellWordExpander _expander = new('\\', new Dictionary<string, string>
    {
        ["FILE"] = "dir/sub/archive.tar.gz",
        ["EMPTY"] = "",
        ["WORDS"] = " one  two ",
        ["STAR"] = "a*b",
    });

    [Theory]
    [InlineData("${FILE#*/}", "sub/archive.tar.gz")]
    [InlineData("${FILE##*/}", "archive.tar.gz")]
    [InlineData("${FILE%.*}", "dir/sub/archive.tar")]
    [InlineData("${FILE%%.*}", "dir/sub/archive")]
    [InlineData("${FILE#nomatch}", "dir/sub/archive.tar.gz")]
    [InlineData("${FILE%/*}", "dir/sub")]
    [InlineData("${FILE%%/*}", "dir")]
    [InlineData("${FILE#d?r/}", "sub/archive.tar.gz")]
    [InlineData("${STAR#a\\*}", "b")]
    [InlineData("${UNSET#x}", "")]
    public void Prefix_and_suffix_trimming(string word, string expected)
    {
        Assert.Equal(expected, _expander.ExpandWord(word));
    }

    [Theory]
    [InlineData("${FILE/sub/lib}", "dir/lib/archive.tar.gz")]
    [InlineData("${FILE//./_}", "dir/sub/archive_tar_gz")]
    [InlineData("${FILE/./_}", "dir/sub/archive_tar.gz")]
    [InlineData("${FILE//\\//-}", "dir-sub-archive.tar.gz")]
    [InlineData("${FILE/*\\//}", "archive.tar.gz")]
    [InlineData("${FILE//r/\\$0\\$0}", "di\\r\\r/sub/a\\r\\rchive.ta\\r\\r.gz")]
    [InlineData("${FILE/nomatch/x}", "dir/sub/archive.tar.gz")]
    [InlineData("${UNSET/a/b}", "")]
    public void Pattern_replacement(string word, string expected)
    {
        Assert.Equal(expected, _expander.ExpandWord(word));
    }

    [Theory]
    [InlineData("${FILE:#x}")]
    [InlineData("${FILE:%x}")]
    [InlineData("${FILE/a}")]
    [InlineData("${FILE/a/b")]
    [InlineData("${FILE#\\x}")]
    [InlineData("${EMPTY:?}")]
    [InlineData("${UNSET?}")]
    [InlineData("${UNSET?custom message}")]
    public void Malformed_or_failing_substitutions_are_errors(string word)
    {
        var error = Assert.Throws<DockerfileException>(() => _expander.ExpandWord(word));

        Assert.StartsWith($"failed to process \"{word}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_message_of_the_question_mark_operator_is_reported()
    {
        var error = Assert.Throws<DockerfileException>(() => _expander.ExpandWord("${UNSET?set UNSET first}"));

        Assert.EndsWith("UNSET: set UNSET first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Words_split_on_unquoted_whitespace_from_variables_only()
    {
        Assert.Equal(["x", "one", "two", "y"], _expander.ExpandWords("x $WORDS y"));
        Assert.Equal(["x", " one  two ", "y"], _expander.ExpandWords("x \"$WORDS\" y"));
        Assert.Equal(["x $WORDS y"], _expander.ExpandWords("'x $WORDS y'"));
    }

    [Fact]
    public void Backtick_escape_character_is_honoured()
    {
        var expander = new ShellWordExpander('`', new Dictionary<string, string> { ["A"] = "1" });

        Assert.Equal("C:\\path\\1 $A", expander.ExpandWord("C:\\path\\$A `$A"));
    }

    [Fact]
    public void Heredoc_content_keeps_quotes_and_treats_backslash_as_escape()
    {
        var expander = new ShellWordExpander('`', new Dictionary<string, string> { ["NAME"] = "world" });

        Assert.Equal("echo 'hello world' \"world\" $NAME n\n", expander.ExpandHeredocContent("echo 'hello $NAME' \"$NAME\" \\$NAME \\n\n"));
    }

    [Fact]
    public void Variable_names_are_case_sensitive()
    {
        Assert.Equal("", _expander.ExpandWord("$file"));
    }

    [Fact]
    public void Words_without_special_characters_are_left_alone_and_split_on_blanks()
    {
        // Property over random words built from characters with no meaning to the lexer.
        const string Plain = "abcXYZ019_-./:@%+=,é한😀";
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var words = Enumerable.Range(0, random.Next(1, 5))
                .Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => Plain.EnumerateRunes().ElementAt(random.Next(Plain.EnumerateRunes().Count())).ToString())))
                .ToArray();
            var input = string.Join(random.Next(2) == 0 ? " " : " \t ", words);

            Assert.Equal(input, _expander.ExpandWord(input));
            Assert.Equal(words, _expander.ExpandWords(input));
        }
    }

    [Fact]
    public void Single_quoting_any_text_without_quotes_protects_it()
    {
        var random = new Random(7);
        const string Alphabet = "ab $\\{}\"`:-+?#%/*[]\t";
        for (var i = 0; i < 500; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 12)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

            Assert.Equal(text, _expander.ExpandWord("'" + text + "'"));
            // As in BuildKit, an empty quoted word produces no word at all.
            Assert.Equal(text.Length == 0 ? [] : [text], _expander.ExpandWords("'" + text + "'"));
        }
    }
}
