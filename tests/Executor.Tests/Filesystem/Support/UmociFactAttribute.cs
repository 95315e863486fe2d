namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>A fact that is skipped, with a message, when umoci is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class UmociFactAttribute : FactAttribute
{
    public const string UmociPath = "/usr/bin/umoci";

    public UmociFactAttribute()
    {
        if (!File.Exists(UmociPath))
        {
            Skip = $"umoci is not installed ({UmociPath}): layer interop with an independent unpacker not checked";
        }
    }
}
