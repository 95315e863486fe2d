namespace Kaniko.CredProxy.Configuration;

/// <summary>A username and secret for one upstream. Never printed: <see cref="ToString"/> redacts.</summary>
public sealed class RegistryCredential(string username, string password)
{
    public string Username { get; } = username;

    public string Password { get; } = password;

    public override string ToString() => $"{Username}:[redacted]";
}
