using System.Globalization;
using System.Text;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>
/// Reads the JSON form of an instruction the way Go's encoding/json does: any syntax error
/// means "not JSON" (the line falls back to shell form), while valid JSON with a non-string
/// element is an error of its own.
/// </summary>
internal static class JsonStringArray
{
    // Go's decoder refuses deeper nesting; it is a syntax error there too.
    private const int MaxDepth = 10000;

    public readonly record struct Result(IReadOnlyList<string>? Values, bool IsNotStringArray);

    public static Result TryParse(string text)
    {
        var start = 0;
        while (start < text.Length && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        if (start >= text.Length || text[start] != '[')
        {
            return default;
        }

        var reader = new Reader(text, start);
        var values = new List<string>();
        var onlyStrings = true;
        try
        {
            reader.Expect('[');
            reader.SkipWhitespace();
            if (reader.Peek() == ']')
            {
                reader.Expect(']');
            }
            else
            {
                while (true)
                {
                    reader.SkipWhitespace();
                    if (reader.Peek() == '"')
                    {
                        values.Add(reader.ReadString());
                    }
                    else
                    {
                        onlyStrings = false;
                        reader.SkipValue();
                    }

                    reader.SkipWhitespace();
                    if (reader.Peek() == ',')
                    {
                        reader.Expect(',');
                        continue;
                    }

                    reader.Expect(']');
                    break;
                }
            }

            reader.SkipWhitespace();
            if (!reader.AtEnd)
            {
                return default;
            }
        }
        catch (FormatException)
        {
            return default;
        }

        return onlyStrings ? new Result(values, false) : new Result(null, true);
    }

    private struct Reader
    {
        private readonly string _text;
        private int _position;

        public Reader(string text, int position)
        {
            _text = text;
            _position = position;
        }

        public readonly bool AtEnd => _position >= _text.Length;

        public readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

        public void Expect(char expected)
        {
            if (Peek() != expected || AtEnd)
            {
                throw new FormatException();
            }

            _position++;
        }

        public void SkipWhitespace()
        {
            while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        public string ReadString()
        {
            Expect('"');
            var builder = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw new FormatException();
                }

                var c = _text[_position++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c < 0x20)
                {
                    throw new FormatException();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw new FormatException();
                }

                var escaped = _text[_position++];
                switch (escaped)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        var unit = ReadHex4();
                        if (char.IsHighSurrogate(unit) && Peek() == '\\' && _position + 1 < _text.Length && _text[_position + 1] == 'u')
                        {
                            var saved = _position;
                            _position += 2;
                            var low = ReadHex4();
                            if (char.IsLowSurrogate(low))
                            {
                                builder.Append(unit).Append(low);
                                break;
                            }

                            _position = saved;
                        }

                        // A lone surrogate decodes to the replacement character, as in Go.
                        builder.Append(char.IsSurrogate(unit) ? '\uFFFD' : unit);
                        break;
                    default:
                        throw new FormatException();
                }
            }
        }

        private char ReadHex4()
        {
            if (_position + 4 > _text.Length ||
                !ushort.TryParse(_text.AsSpan(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException();
            }

            _position += 4;
            return (char)value;
        }

        /// <summary>Validates and skips any JSON value without building it (iterative: no deep recursion).</summary>
        public void SkipValue()
        {
            var containers = new Stack<char>();
            while (true)
            {
                SkipWhitespace();
                var c = Peek();
                if (c is '[' or '{')
                {
                    _position++;
                    containers.Push(c);
                    if (containers.Count > MaxDepth)
                    {
                        throw new FormatException();
                    }

                    SkipWhitespace();
                    var close = c == '[' ? ']' : '}';
                    if (Peek() == close)
                    {
                        _position++;
                        containers.Pop();
                        if (!AfterValue(containers))
                        {
                            return;
                        }

                        continue;
                    }

                    if (c == '{')
                    {
                        ReadMemberName();
                    }

                    continue;
                }

                SkipScalar();
                if (!AfterValue(containers))
                {
                    return;
                }
            }
        }

        // After a value inside containers: consume ',' (and the next member name) or closers.
        // Returns false once the outermost value is complete.
        private bool AfterValue(Stack<char> containers)
        {
            while (true)
            {
                if (containers.Count == 0)
                {
                    return false;
                }

                SkipWhitespace();
                var open = containers.Peek();
                if (Peek() == ',')
                {
                    _position++;
                    if (open == '{')
                    {
                        ReadMemberName();
                    }

                    return true;
                }

                Expect(open == '[' ? ']' : '}');
                containers.Pop();
            }
        }

        private void ReadMemberName()
        {
            SkipWhitespace();
            ReadString();
            SkipWhitespace();
            Expect(':');
        }

        private void SkipScalar()
        {
            var c = Peek();
            if (c == '"')
            {
                ReadString();
                return;
            }

            if (Literal("true") || Literal("false") || Literal("null"))
            {
                return;
            }

            SkipNumber();
        }

        private bool Literal(string word)
        {
            if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
            {
                return false;
            }

            _position += word.Length;
            return true;
        }

        private void SkipNumber()
        {
            if (Peek() == '-')
            {
                _position++;
            }

            if (Peek() == '0')
            {
                _position++;
            }
            else if (Peek() is >= '1' and <= '9')
            {
                SkipDigits();
            }
            else
            {
                throw new FormatException();
            }

            if (Peek() == '.')
            {
                _position++;
                if (!char.IsAsciiDigit(Peek()))
                {
                    throw new FormatException();
                }

                SkipDigits();
            }

            if (Peek() is 'e' or 'E')
            {
                _position++;
                if (Peek() is '+' or '-')
                {
                    _position++;
                }

                if (!char.IsAsciiDigit(Peek()))
                {
                    throw new FormatException();
                }

                SkipDigits();
            }
        }

        private void SkipDigits()
        {
            while (char.IsAsciiDigit(Peek()))
            {
                _position++;
            }
        }
    }
}
