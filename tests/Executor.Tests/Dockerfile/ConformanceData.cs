namespace Kaniko.Executor.Tests.Dockerfile;

/// <summary>
/// Finds BuildKit's conformance data: $KANIKO_CONFORMANCE_DIR, else ../shared/conformance
/// next to the repository. When neither exists the conformance tests are skipped, visibly.
/// </summary>
internal static class ConformanceData
{
    public const string MissingMessage =
        "BuildKit conformance data not found: set KANIKO_CONFORMANCE_DIR or place shared/conformance beside the repository";

    private static readonly Lazy<string?> _root = new(Locate);

    public static string? Root => _root.Value;

    /// <summary>Why the data is missing, for the skip message.</summary>
    public static string SkipReason
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("KANIKO_CONFORMANCE_DIR");
            return string.IsNullOrEmpty(configured)
                ? MissingMessage
                : $"KANIKO_CONFORMANCE_DIR={configured} has no buildkit folder";
        }
    }

    public static bool IsAvailable => Root is not null;

    public static string BuildKit => Path.Combine(Root ?? throw new InvalidOperationException(MissingMessage), "buildkit");

    private static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("KANIKO_CONFORMANCE_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(Path.Combine(configured, "buildkit")) ? Path.GetFullPath(configured) : null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kaniko.sln")))
            {
                var sibling = Path.Combine(directory.FullName, "..", "shared", "conformance");
                return Directory.Exists(Path.Combine(sibling, "buildkit")) ? Path.GetFullPath(sibling) : null;
            }
        }

        return null;
    }
}

/// <summary>A fact that is skipped, with a message, when the conformance data is missing.</summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (!ConformanceData.IsAvailable)
        {
            Skip = ConformanceData.SkipReason;
        }
    }
}

/// <summary>A theory that is skipped, with a message, when the conformance data is missing.</summary>
public sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute()
    {
        if (!ConformanceData.IsAvailable)
        {
            Skip = ConformanceData.SkipReason;
        }
    }
}
