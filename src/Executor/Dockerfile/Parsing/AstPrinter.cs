using System.Globalization;
using System.Text;

namespace Kaniko.Executor.Dockerfile.Parsing;

/// <summary>Renders nodes in BuildKit's parser test format: <c>(cmd ["--flag"] "arg" ...)</c>.</summary>
public static class AstPrinter
{
    public static string Print(ParsedDockerfile dockerfile)
    {
        var output = new StringBuilder();
        foreach (var node in dockerfile.Nodes)
        {
            output.Append('(').Append(Print(node)).Append(")\n");
        }

        return output.ToString();
    }

    public static string Print(SyntaxNode node)
    {
        var output = new StringBuilder();
        output.Append(node.Instruction);
        if (node.Flags.Count > 0)
        {
            output.Append(" [");
            for (var i = 0; i < node.Flags.Count; i++)
            {
                if (i > 0)
                {
                    output.Append(' ');
                }

                output.Append(GoQuote(node.Flags[i]));
            }

            output.Append(']');
        }

        if (node.Child is not null)
        {
            output.Append(" (").Append(Print(node.Child)).Append(')');
        }

        foreach (var argument in node.Arguments)
        {
            output.Append(' ').Append(GoQuote(argument));
        }

        return output.ToString().Trim();
    }

    /// <summary>Go's strconv.Quote: printable runes as-is, others escaped.</summary>
    public static string GoQuote(string value)
    {
        var output = new StringBuilder(value.Length + 2);
        output.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            var r = rune.Value;
            switch (r)
            {
                case '"': output.Append("\\\""); continue;
                case '\\': output.Append("\\\\"); continue;
                case '\a': output.Append("\\a"); continue;
                case '\b': output.Append("\\b"); continue;
                case '\f': output.Append("\\f"); continue;
                case '\n': output.Append("\\n"); continue;
                case '\r': output.Append("\\r"); continue;
                case '\t': output.Append("\\t"); continue;
                case '\v': output.Append("\\v"); continue;
            }

            if (IsPrint(rune))
            {
                output.Append(rune.ToString());
            }
            else if (r < 0x20 || r == 0x7f)
            {
                output.Append("\\x").Append(r.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (r < 0x10000)
            {
                output.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                output.Append("\\U").Append(r.ToString("x8", CultureInfo.InvariantCulture));
            }
        }

        output.Append('"');
        return output.ToString();
    }

    private static bool IsPrint(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
            _ => true,
        };
    }
}
