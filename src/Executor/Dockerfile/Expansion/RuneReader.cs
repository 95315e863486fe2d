using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kaniko.Executor.Dockerfile.Expansion;

/// <summary>Reads a string one Unicode scalar at a time (surrogate pairs joined).</summary>
internal struct RuneReader
{
    public const int EndOfInput = -1;

    private readonly string _text;
    private int _position;

    public RuneReader(string text)
    {
        _text = text;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Peek() => Decode(_position, out _);

    public int Next()
    {
        var rune = Decode(_position, out var width);
        _position += width;
        return rune;
    }

    private readonly int Decode(int position, out int width)
    {
        if (position >= _text.Length)
        {
            width = 0;
            return EndOfInput;
        }

        var status = Rune.DecodeFromUtf16(_text.AsSpan(position), out var rune, out width);
        if (status != OperationStatus.Done)
        {
            // A lone surrogate reads as the replacement character, as Go does for bad UTF-8.
            width = 1;
            return Rune.ReplacementChar.Value;
        }

        return rune.Value;
    }

    /// <summary>Go's unicode.IsSpace.</summary>
    public static bool IsSpace(int rune) => rune >= 0 && Rune.IsWhiteSpace(new Rune(rune));

    /// <summary>Go's unicode.IsDigit (decimal digits of any script).</summary>
    public static bool IsDigit(int rune) =>
        rune >= 0 && Rune.GetUnicodeCategory(new Rune(rune)) == UnicodeCategory.DecimalDigitNumber;

    /// <summary>Go's unicode.IsLetter.</summary>
    public static bool IsLetter(int rune) => rune >= 0 && Rune.IsLetter(new Rune(rune));
}
