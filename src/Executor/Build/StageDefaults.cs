namespace Kaniko.Executor.Build;

/// <summary>Docker's defaults where an image says nothing.</summary>
public static class StageDefaults
{
    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static readonly IReadOnlyList<string> Shell = ["/bin/sh", "-c"];
}
