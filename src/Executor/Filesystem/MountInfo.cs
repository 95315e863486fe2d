using System.Globalization;
using System.Text;

namespace Kaniko.Executor.Filesystem;

/// <summary>Reads mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone).</summary>
internal static class MountInfo
{
    public const string SelfPath = "/proc/self/mountinfo";

    public static IEnumerable<string> ParseMountPoints(string mountInfoText)
    {
        foreach (var line in mountInfoText.Split('\n'))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && fields[4].StartsWith('/'))
            {
                yield return Unescape(fields[4]);
            }
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length &&
                int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _) &&
                field[(i + 1)..(i + 4)].All(c => c is >= '0' and <= '7'))
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
