using System.Text;
using System.Text.Unicode;

namespace Kaniko.Executor.Filesystem.Native;

/// <summary>
/// File names are bytes on Linux; .NET strings are UTF-16. Valid UTF-8 decodes as usual. Each byte of an invalid
/// sequence becomes a lone low surrogate U+DC80..U+DCFF (one that no high surrogate precedes; UTF-8 never decodes
/// to one), and <see cref="Encode"/> turns it back into the same byte, so every name round-trips byte for byte.
/// </summary>
internal static class PathEncoding
{
    private const char EscapeFirst = '\uDC80';
    private const char EscapeLast = '\uDCFF';

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var builder = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                builder.Append(rune.ToString());
            }
            else
            {
                for (var i = 0; i < consumed; i++)
                {
                    builder.Append((char)(0xDC00 + bytes[i]));
                }
            }

            bytes = bytes[consumed..];
        }

        return builder.ToString();
    }

    /// <summary>True when the name holds bytes that are not valid UTF-8 (escaped by <see cref="Decode"/>).</summary>
    public static bool HasEscapes(string name) => name.AsSpan().IndexOfAnyInRange(EscapeFirst, EscapeLast) >= 0 && CountEscapes(name) > 0;

    /// <summary>Upper bound of <see cref="Encode"/>'s output for <paramref name="text"/>.</summary>
    public static int MaxByteCount(string text) => checked(text.Length * 3);

    /// <summary>Encodes into <paramref name="destination"/> (at least <see cref="MaxByteCount"/> long); returns the byte count.</summary>
    public static int Encode(string text, Span<byte> destination)
    {
        if (text.AsSpan().IndexOfAnyInRange(EscapeFirst, EscapeLast) < 0)
        {
            return Encoding.UTF8.GetBytes(text, destination);
        }

        var written = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                written += new Rune(c, text[i + 1]).EncodeToUtf8(destination[written..]);
                i++;
            }
            else if (c is >= EscapeFirst and <= EscapeLast)
            {
                destination[written++] = (byte)(c - 0xDC00);
            }
            else
            {
                written += (Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar).EncodeToUtf8(destination[written..]);
            }
        }

        return written;
    }

    public static byte[] GetBytes(string text)
    {
        var buffer = new byte[MaxByteCount(text)];
        return buffer[..Encode(text, buffer)];
    }

    /// <summary>The name for messages: escaped bytes shown as \xNN, everything else as is.</summary>
    public static string Display(string text)
    {
        if (!HasEscapes(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (c is >= EscapeFirst and <= EscapeLast)
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{c - 0xDC00:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static int CountEscapes(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (c is >= EscapeFirst and <= EscapeLast)
            {
                count++;
            }
        }

        return count;
    }
}
