namespace Kaniko.CredProxy.Configuration;

/// <summary>Invalid configuration: every problem found, each naming its setting.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("invalid configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
