namespace Kaniko.TestKit;

/// <summary>A username and password for a test registry.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary><c>user:pass</c>, as skopeo's <c>--creds</c> and podman's <c>--creds</c> take it.</summary>
    public string ToColonForm() => $"{Username}:{Password}";

    /// <summary>The value of a Basic <c>Authorization</c> header (without the scheme).</summary>
    public string ToBasicParameter() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ToColonForm()));

    public override string ToString() => $"{Username}:***";
}
