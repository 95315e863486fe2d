namespace Kaniko.TestKit;

/// <summary>A host path bind-mounted into a <see cref="Sandbox"/> root.</summary>
public sealed record SandboxBind(string Source, string Target, bool ReadOnly = false)
{
    public override string ToString() => ReadOnly ? $"{Source}:{Target}:ro" : $"{Source}:{Target}";
}
