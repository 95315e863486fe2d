using System.Text;

namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>Looks a variable up; false when it is not set (set-but-empty returns true).</summary>
internal delegate bool VariableLookup(string name, out string value);

/// <summary>
/// BuildKit's shell-word processing: quotes, escapes, <c>$VAR</c> / <c>${VAR...}</c>
/// substitution and splitting into words. Errors are <see cref="DockerfileException"/>
/// without a location; callers add it.
/// </summary>
internal sealed class ShellLexer
{
    private readonly int _escapeToken;

    public ShellLexer(char escapeToken)
    {
        _escapeToken = escapeToken;
    }

    /// <summary>Keep quote characters in the output (they still group words).</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the output.</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat quotes as ordinary characters.</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Leave references to unset variables as written.</summary>
    public bool SkipUnsetEnv { get; init; }

    public string ProcessWord(string word, VariableLookup lookup) => Process(word, lookup).Word;

    public IReadOnlyList<string> ProcessWords(string word, VariableLookup lookup) => Process(word, lookup).Words;

    private (string Word, List<string> Words) Process(string source, VariableLookup lookup)
    {
        var state = new LexState(this, source, lookup);
        try
        {
            return state.ProcessStopOn(RuneReader.EndOfInput, RawEscapes);
        }
        catch (DockerfileException ex)
        {
            throw new DockerfileException($"failed to process \"{source}\": {ex.Problem}");
        }
    }

    private sealed class LexState
    {
        private readonly ShellLexer _options;
        private readonly VariableLookup _lookup;
        private RuneReader _reader;
        private bool _rawEscapes;

        public LexState(ShellLexer options, string source, VariableLookup lookup)
        {
            _options = options;
            _lookup = lookup;
            _reader = new RuneReader(source);
            _rawEscapes = options.RawEscapes;
        }

        public (string Word, List<string> Words) ProcessStopOn(int stopChar, bool rawEscapes)
        {
            var saved = _rawEscapes;
            _rawEscapes = rawEscapes;
            try
            {
                return ProcessStopOnCore(stopChar);
            }
            finally
            {
                _rawEscapes = saved;
            }
        }

        private (string Word, List<string> Words) ProcessStopOnCore(int stopChar)
        {
            var result = new StringBuilder();
            var words = new WordCollector();
            var escape = _options._escapeToken;

            while (_reader.Peek() != RuneReader.EndOfInput)
            {
                var ch = _reader.Peek();
                if (stopChar != RuneReader.EndOfInput && ch == stopChar)
                {
                    _reader.Next();
                    return (result.ToString(), words.Finish());
                }

                if (ch == '$')
                {
                    var value = ProcessDollar();
                    result.Append(value);
                    words.AddUnquoted(value);
                }
                else if ((ch == '\'' || ch == '"') && !_options.SkipProcessQuotes)
                {
                    var value = ch == '\'' ? ProcessSingleQuote() : ProcessDoubleQuote();
                    result.Append(value);
                    words.AddRaw(value);
                }
                else
                {
                    ch = _reader.Next();
                    if (ch == escape)
                    {
                        if (_rawEscapes)
                        {
                            words.AddRawRune(ch);
                            AppendRune(result, ch);
                        }

                        // The escape token escapes the next character, except at the end.
                        ch = _reader.Next();
                        if (ch == RuneReader.EndOfInput)
                        {
                            break;
                        }

                        words.AddRawRune(ch);
                    }
                    else
                    {
                        words.AddRune(ch);
                    }

                    AppendRune(result, ch);
                }
            }

            if (stopChar != RuneReader.EndOfInput)
            {
                throw new DockerfileException($"unexpected end of statement while looking for matching {char.ConvertFromUtf32(stopChar)}");
            }

            return (result.ToString(), words.Finish());
        }

        private string ProcessSingleQuote()
        {
            // Everything up to the next single quote is literal; nothing escapes inside.
            var result = new StringBuilder();
            var ch = _reader.Next();
            if (_options.RawQuotes)
            {
                AppendRune(result, ch);
            }

            while (true)
            {
                ch = _reader.Next();
                if (ch == RuneReader.EndOfInput)
                {
                    throw new DockerfileException("unexpected end of statement while looking for matching single-quote");
                }

                if (ch == '\'')
                {
                    if (_options.RawQuotes)
                    {
                        AppendRune(result, ch);
                    }

                    return result.ToString();
                }

                AppendRune(result, ch);
            }
        }

        private string ProcessDoubleQuote()
        {
            // Literal except $ and the escape token, which escapes only ", $ and itself.
            var result = new StringBuilder();
            var escape = _options._escapeToken;
            var ch = _reader.Next();
            if (_options.RawQuotes)
            {
                AppendRune(result, ch);
            }

            while (true)
            {
                var next = _reader.Peek();
                if (next == RuneReader.EndOfInput)
                {
                    throw new DockerfileException("unexpected end of statement while looking for matching double-quote");
                }

                if (next == '"')
                {
                    ch = _reader.Next();
                    if (_options.RawQuotes)
                    {
                        AppendRune(result, ch);
                    }

                    return result.ToString();
                }

                if (next == '$')
                {
                    result.Append(ProcessDollar());
                    continue;
                }

                ch = _reader.Next();
                if (ch == escape)
                {
                    if (_rawEscapes)
                    {
                        AppendRune(result, ch);
                    }

                    var following = _reader.Peek();
                    if (following == RuneReader.EndOfInput)
                    {
                        continue;
                    }

                    if (following == '"' || following == '$' || following == escape)
                    {
                        ch = _reader.Next();
                    }
                }

                AppendRune(result, ch);
            }
        }

        private string ProcessDollar()
        {
            _reader.Next();

            if (_reader.Peek() != '{')
            {
                var simpleName = ProcessName();
                if (simpleName.Length == 0)
                {
                    return "$";
                }

                var found = _lookup(simpleName, out var simpleValue);
                if (!found && _options.SkipUnsetEnv)
                {
                    return "$" + simpleName;
                }

                return simpleValue;
            }

            _reader.Next();
            switch (_reader.Peek())
            {
                case RuneReader.EndOfInput:
                    throw new DockerfileException("syntax error: missing '}'");
                case '{' or '}' or ':':
                    throw new DockerfileException("syntax error: bad substitution");
            }

            var name = ProcessName();
            var ch = _reader.Next();
            var modifier = ch == RuneReader.EndOfInput ? "" : char.ConvertFromUtf32(ch);
            var nullIsUnset = false;

            switch (ch)
            {
                case '}':
                    {
                        var set = _lookup(name, out var value);
                        if (!set && _options.SkipUnsetEnv)
                        {
                            return "${" + name + "}";
                        }

                        return value;
                    }

                case ':':
                    nullIsUnset = true;
                    ch = _reader.Next();
                    modifier += ch == RuneReader.EndOfInput ? "" : char.ConvertFromUtf32(ch);
                    return ProcessModifier(name, ch, modifier, nullIsUnset);
                case '+' or '-' or '?' or '#' or '%':
                    return ProcessModifier(name, ch, modifier, nullIsUnset);
                case '/':
                    return ProcessReplacement(name);
                default:
                    throw new DockerfileException($"unsupported modifier ({modifier}) in substitution");
            }
        }

        private string ProcessModifier(string name, int ch, string modifier, bool nullIsUnset)
        {
            var patternOperator = ch == '#' || ch == '%';
            if (nullIsUnset && patternOperator)
            {
                throw new DockerfileException($"unsupported modifier ({modifier}) in substitution");
            }

            string word;
            try
            {
                word = ProcessStopOn('}', patternOperator).Word;
            }
            catch (DockerfileException) when (_reader.Peek() == RuneReader.EndOfInput)
            {
                throw new DockerfileException("syntax error: missing '}'");
            }

            var set = _lookup(name, out var value);
            if (_options.SkipUnsetEnv && !set)
            {
                return "${" + name + modifier + word + "}";
            }

            var unsetOrNull = !set || (nullIsUnset && value.Length == 0);
            switch (ch)
            {
                case '-':
                    return unsetOrNull ? word : value;
                case '+':
                    return unsetOrNull ? "" : word;
                case '?':
                    if (!set)
                    {
                        throw new DockerfileException($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                    }

                    if (nullIsUnset && value.Length == 0)
                    {
                        throw new DockerfileException($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                    }

                    return value;
                case '#' or '%':
                    {
                        // One operator character trims the shortest match, two the longest.
                        var greedy = false;
                        if (word.Length > 0 && word[0] == ch)
                        {
                            greedy = true;
                            word = word[1..];
                        }

                        return ch == '%'
                            ? ShellPattern.TrimSuffix(word, value, greedy)
                            : ShellPattern.TrimPrefix(word, value, greedy);
                    }

                default:
                    throw new DockerfileException($"unsupported modifier ({modifier}) in substitution");
            }
        }

        private string ProcessReplacement(string name)
        {
            var replaceAll = _reader.Peek() == '/';
            if (replaceAll)
            {
                _reader.Next();
            }

            string pattern;
            try
            {
                pattern = ProcessStopOn('/', true).Word;
            }
            catch (DockerfileException) when (_reader.Peek() == RuneReader.EndOfInput)
            {
                throw new DockerfileException("syntax error: missing '/' in ${}");
            }

            string replacement;
            try
            {
                replacement = ProcessStopOn('}', true).Word;
            }
            catch (DockerfileException) when (_reader.Peek() == RuneReader.EndOfInput)
            {
                throw new DockerfileException("syntax error: missing '}'");
            }

            var set = _lookup(name, out var value);
            if (_options.SkipUnsetEnv && !set)
            {
                return "${" + name + "/" + pattern + "/" + replacement + "}";
            }

            return ShellPattern.Replace(value, pattern, replacement, replaceAll);
        }

        private string ProcessName()
        {
            // A name is letters, digits and underscores; a leading digit reads digits only,
            // and a special parameter ($@, $#, ...) is one character.
            var name = new StringBuilder();
            while (_reader.Peek() != RuneReader.EndOfInput)
            {
                var ch = _reader.Peek();
                if (name.Length == 0 && RuneReader.IsDigit(ch))
                {
                    while (_reader.Peek() != RuneReader.EndOfInput && RuneReader.IsDigit(_reader.Peek()))
                    {
                        AppendRune(name, _reader.Next());
                    }

                    return name.ToString();
                }

                if (name.Length == 0 && IsSpecialParameter(ch))
                {
                    return char.ConvertFromUtf32(_reader.Next());
                }

                if (!RuneReader.IsLetter(ch) && !RuneReader.IsDigit(ch) && ch != '_')
                {
                    break;
                }

                AppendRune(name, _reader.Next());
            }

            return name.ToString();
        }

        private static bool IsSpecialParameter(int ch) =>
            ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0';
    }

    private static void AppendRune(StringBuilder builder, int rune)
    {
        if (rune < 0x10000)
        {
            builder.Append((char)rune);
        }
        else
        {
            builder.Append(char.ConvertFromUtf32(rune));
        }
    }

    /// <summary>Collects the split words alongside the joined result.</summary>
    private sealed class WordCollector
    {
        private readonly StringBuilder _current = new();
        private readonly List<string> _words = [];
        private bool _inWord;

        public void AddRune(int ch)
        {
            if (RuneReader.IsSpace(ch))
            {
                if (_inWord && _current.Length != 0)
                {
                    _words.Add(_current.ToString());
                    _current.Clear();
                    _inWord = false;
                }
            }
            else
            {
                AddRawRune(ch);
            }
        }

        public void AddRawRune(int ch)
        {
            AppendRune(_current, ch);
            _inWord = true;
        }

        public void AddUnquoted(string text)
        {
            var reader = new RuneReader(text);
            while (reader.Peek() != RuneReader.EndOfInput)
            {
                AddRune(reader.Next());
            }
        }

        public void AddRaw(string text)
        {
            _current.Append(text);
            _inWord = true;
        }

        public List<string> Finish()
        {
            if (_current.Length > 0)
            {
                _words.Add(_current.ToString());
                _current.Clear();
                _inWord = false;
            }

            return _words;
        }
    }
}
