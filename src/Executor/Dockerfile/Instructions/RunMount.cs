using System.Globalization;
using System.Text;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>The kinds of RUN --mount.</summary>
public enum RunMountType
{
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

/// <summary>How concurrent builds share a cache mount.</summary>
public enum CacheSharing
{
    Shared,
    Private,
    Locked,
}

/// <summary>
/// One <c>RUN --mount=...</c> value, parsed with BuildKit's keys and defaults: bind mounts are
/// read-only unless <c>rw</c>, secrets default to <c>/run/secrets/&lt;id&gt;</c>, SSH sockets to
/// id "default", cache ids to the target. Parse an expanded value (<see cref="RunInstruction.Expand"/>).
/// </summary>
public sealed record RunMount(
    RunMountType Type,
    string? Target,
    string? Source,
    string? From,
    string? Id,
    bool ReadOnly,
    CacheSharing Sharing,
    int? Mode,
    int? Uid,
    int? Gid,
    bool Required,
    long? SizeBytes,
    string? Env)
{
    public static RunMount Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var fields = SplitCsv(value);
        var type = RunMountType.Bind;
        foreach (var field in fields)
        {
            var (key, fieldValue) = SplitField(field);
            if (key.Equals("type", StringComparison.OrdinalIgnoreCase))
            {
                type = ParseType(fieldValue ?? "", value);
            }
        }

        string? target = null, source = null, from = null, id = null, env = null;
        bool? readOnly = null;
        var sharing = CacheSharing.Shared;
        int? mode = null, uid = null, gid = null;
        var required = false;
        long? size = null;

        foreach (var field in fields)
        {
            var (key, fieldValue) = SplitField(field);
            switch (key.ToLowerInvariant())
            {
                case "type":
                    break;
                case "readonly" or "ro":
                    readOnly = ParseBool(key, fieldValue, value);
                    break;
                case "readwrite" or "rw":
                    readOnly = !ParseBool(key, fieldValue, value);
                    break;
                case "required":
                    required = ParseBool(key, fieldValue, value);
                    break;
                case "target" or "dst" or "destination":
                    target = Require(key, fieldValue, value);
                    break;
                case "source" or "src":
                    source = Require(key, fieldValue, value);
                    break;
                case "from":
                    from = Require(key, fieldValue, value);
                    break;
                case "id":
                    id = Require(key, fieldValue, value);
                    break;
                case "env":
                    env = Require(key, fieldValue, value);
                    break;
                case "sharing":
                    sharing = Require(key, fieldValue, value).ToLowerInvariant() switch
                    {
                        "shared" => CacheSharing.Shared,
                        "private" => CacheSharing.Private,
                        "locked" => CacheSharing.Locked,
                        var other => throw new DockerfileException($"unsupported sharing value \"{other}\" in mount \"{value}\"", hint: "use shared, private or locked"),
                    };
                    break;
                case "mode":
                    mode = ParseNumber(key, fieldValue, value, fromBase: 8);
                    break;
                case "uid":
                    uid = ParseNumber(key, fieldValue, value, fromBase: 10);
                    break;
                case "gid":
                    gid = ParseNumber(key, fieldValue, value, fromBase: 10);
                    break;
                case "size" when type == RunMountType.Tmpfs:
                    size = ParseSize(Require(key, fieldValue, value), value);
                    break;
                default:
                    throw new DockerfileException($"unexpected key '{key}' in '{field}'", hint: $"check the keys valid for a {type.ToString().ToLowerInvariant()} mount");
            }
        }

        if (type is RunMountType.Secret && id is null && source is null && target is null && env is null)
        {
            throw new DockerfileException($"secret mount needs an id or a target: \"{value}\"", hint: "use --mount=type=secret,id=<id>");
        }

        if (type is RunMountType.Secret or RunMountType.Ssh && from is not null)
        {
            throw new DockerfileException($"{type.ToString().ToLowerInvariant()} mount should not have a from: \"{value}\"");
        }

        if (type is RunMountType.Secret)
        {
            // "source" is the older spelling of the secret id.
            id ??= source ?? (target is null ? env : Path.GetFileName(target.TrimEnd('/')));
            if (env is null)
            {
                target ??= "/run/secrets/" + id;
            }
        }

        if (type is RunMountType.Ssh)
        {
            id ??= "default";
        }

        if (target is null && type is RunMountType.Bind or RunMountType.Cache or RunMountType.Tmpfs)
        {
            throw new DockerfileException($"mount target must be specified: \"{value}\"", hint: "add target=<path in the container>");
        }

        if (type is RunMountType.Tmpfs && (source is not null || from is not null))
        {
            throw new DockerfileException("tmpfs mount can't have a source or from");
        }

        if (type is RunMountType.Cache)
        {
            id ??= target;
        }

        // Bind mounts are read-only unless asked otherwise; cache and tmpfs are writable.
        var isReadOnly = readOnly ?? type is RunMountType.Bind or RunMountType.Secret or RunMountType.Ssh;
        return new RunMount(type, target, source, from, id, isReadOnly, sharing, mode, uid, gid, required, size, env);
    }

    private static RunMountType ParseType(string text, string value) => text.ToLowerInvariant() switch
    {
        "bind" => RunMountType.Bind,
        "cache" => RunMountType.Cache,
        "tmpfs" => RunMountType.Tmpfs,
        "secret" => RunMountType.Secret,
        "ssh" => RunMountType.Ssh,
        _ => throw new DockerfileException($"unsupported mount type \"{text}\" in \"{value}\"", hint: "use bind, cache, tmpfs, secret or ssh"),
    };

    private static (string Key, string? Value) SplitField(string field)
    {
        var equals = field.IndexOf('=');
        return equals < 0 ? (field.Trim(), null) : (field[..equals].Trim(), field[(equals + 1)..]);
    }

    private static string Require(string key, string? fieldValue, string mount) =>
        fieldValue ?? throw new DockerfileException($"invalid field '{key}' must be a key=value pair in \"{mount}\"");

    private static bool ParseBool(string key, string? fieldValue, string mount) =>
        fieldValue is null || fieldValue.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new DockerfileException($"invalid value for {key}: \"{fieldValue}\" in \"{mount}\"", hint: "use true or false"),
        };

    private static int ParseNumber(string key, string? fieldValue, string mount, int fromBase)
    {
        var text = Require(key, fieldValue, mount);
        try
        {
            return text.Length is > 0 and <= 10 && text.All(char.IsAsciiDigit)
                ? Convert.ToInt32(text, fromBase)
                : throw new FormatException();
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw new DockerfileException($"invalid value for {key}: \"{text}\" in \"{mount}\"", hint: fromBase == 8 ? "use an octal mode such as 0755" : "use a number");
        }
    }

    private static long ParseSize(string text, string mount)
    {
        // Docker's RAMInBytes: a number with an optional b/k/m/g/t/p suffix (binary units).
        var trimmed = text.Trim().ToLowerInvariant();
        var unitStart = trimmed.Length;
        while (unitStart > 0 && char.IsAsciiLetter(trimmed[unitStart - 1]))
        {
            unitStart--;
        }

        var unit = trimmed[unitStart..].TrimEnd('b', 'i');
        var multiplier = unit switch
        {
            "" => 1L,
            "k" => 1L << 10,
            "m" => 1L << 20,
            "g" => 1L << 30,
            "t" => 1L << 40,
            "p" => 1L << 50,
            _ => 0L,
        };

        if (multiplier == 0 ||
            !decimal.TryParse(trimmed[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) ||
            number > long.MaxValue / multiplier)
        {
            throw new DockerfileException($"invalid size \"{text}\" in \"{mount}\"", hint: "use a size such as 64m");
        }

        return (long)(number * multiplier);
    }

    /// <summary>Comma-separated fields; double quotes protect commas, as Go's CSV reader does.</summary>
    private static List<string> SplitCsv(string value)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                if (quoted && i + 1 < value.Length && value[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw new DockerfileException($"unterminated quote in mount \"{value}\"");
        }

        fields.Add(current.ToString());
        return fields.Where(field => field.Trim().Length > 0).ToList();
    }
}
