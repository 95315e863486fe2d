namespace Kaniko.TestKit;

public enum RegistryAuthMode
{
    /// <summary>No authentication.</summary>
    Plain,

    /// <summary>Basic authentication against a bcrypt htpasswd file.</summary>
    Htpasswd,

    /// <summary>Bearer tokens from a <see cref="TokenIssuer"/> (as GitLab, GHCR and Docker Hub do).</summary>
    Token,
}
