namespace Kaniko.Executor.Planning;

/// <summary>Reads the parts of a RUN --mount value the planner needs.</summary>
public static class MountOptions
{
    /// <summary>The from= of a mount (a stage or image), or null.</summary>
    public static string? FromOf(string mount)
    {
        foreach (var field in mount.Split(','))
        {
            var equals = field.IndexOf('=');
            if (equals > 0 && field[..equals].Trim().Equals("from", StringComparison.OrdinalIgnoreCase))
            {
                var value = field[(equals + 1)..].Trim();
                return value.Length == 0 ? null : value;
            }
        }

        return null;
    }
}
