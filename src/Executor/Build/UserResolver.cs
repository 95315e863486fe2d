using System.Globalization;

namespace Kaniko.Executor.Build;

public sealed record UserIdentity(uint Uid, uint Gid, IReadOnlyList<uint> SupplementaryGroups);

/// <summary>Turns USER and --chown values into numeric ids using the build root's /etc/passwd and /etc/group.</summary>
public sealed class UserResolver(Func<string, string?> readRootFile)
{
    public static readonly UserIdentity Root = new(0, 0, []);

    /// <summary>Resolves <c>user[:group]</c>; names must exist in the root, numbers need not (as in docker).</summary>
    public UserIdentity Resolve(string? spec, bool withSupplementaryGroups)
    {
        if (string.IsNullOrEmpty(spec))
        {
            return Root;
        }

        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon < 0 ? spec : spec[..colon];
        var groupPart = colon < 0 ? null : spec[(colon + 1)..];
        var passwd = ReadTable("/etc/passwd");

        uint uid;
        uint? primaryGid = null;
        string? userName = null;
        if (uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            var entry = passwd.FirstOrDefault(e => e.Length > 3 && e[2] == userPart);
            if (entry is not null)
            {
                userName = entry[0];
                primaryGid = ParseId(entry[3]);
            }
        }
        else if (userPart.Length > 0 && userPart.All(char.IsAsciiDigit))
        {
            // Numeric but too big: "use a numeric uid" would be the wrong advice.
            throw new InvalidOperationException($"uid {userPart} is out of range: ids go from 0 to {uint.MaxValue}");
        }
        else
        {
            var entry = passwd.FirstOrDefault(e => e.Length > 3 && e[0] == userPart)
                ?? throw new InvalidOperationException($"user '{userPart}' is not in the image's /etc/passwd; use a numeric uid or create the user first");
            userName = entry[0];
            uid = ParseId(entry[2]);
            primaryGid = ParseId(entry[3]);
        }

        var groups = ReadTable("/etc/group");
        uint gid;
        if (groupPart is not null)
        {
            if (!uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                if (groupPart.Length > 0 && groupPart.All(char.IsAsciiDigit))
                {
                    throw new InvalidOperationException($"gid {groupPart} is out of range: ids go from 0 to {uint.MaxValue}");
                }

                var entry = groups.FirstOrDefault(e => e.Length > 2 && e[0] == groupPart)
                    ?? throw new InvalidOperationException($"group '{groupPart}' is not in the image's /etc/group; use a numeric gid or create the group first");
                gid = ParseId(entry[2]);
            }
        }
        else
        {
            gid = primaryGid ?? 0;
        }

        IReadOnlyList<uint> supplementary = [];
        if (withSupplementaryGroups && userName is not null && groupPart is null)
        {
            supplementary = groups
                .Where(e => e.Length > 3 && e[3].Split(',').Contains(userName))
                .Select(e => ParseId(e[2]))
                .Where(g => g != gid)
                .Distinct()
                .ToList();
        }

        return new UserIdentity(uid, gid, supplementary);
    }

    private List<string[]> ReadTable(string path) =>
        (readRootFile(path) ?? string.Empty)
            .Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(':'))
            .ToList();

    private static uint ParseId(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
}
