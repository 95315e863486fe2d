namespace Kaniko.CredProxy.Tokens;

/// <summary>A registry bearer token and when to stop using it. <see cref="ToString"/> redacts.</summary>
public sealed class BearerToken(string value, DateTimeOffset refreshAt)
{
    public string Value { get; } = value;

    /// <summary>Shortly before the token expires: from then on a new one is fetched.</summary>
    public DateTimeOffset RefreshAt { get; } = refreshAt;

    public override string ToString() => $"BearerToken([redacted], refresh at {RefreshAt:O})";
}
