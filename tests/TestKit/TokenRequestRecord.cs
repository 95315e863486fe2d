namespace Kaniko.TestKit;

/// <summary>One request the <see cref="TokenIssuer"/> received, for tests that assert what was asked.</summary>
public sealed record TokenRequestRecord(
    DateTimeOffset Time,
    string Method,
    string Url,
    string? GrantType,
    string? ClientId,
    string? Account,
    string? Username,
    bool UsedBasicAuthorization,
    bool UsedRefreshToken,
    bool Authenticated,
    string? Service,
    IReadOnlyList<TokenScope> RequestedScopes,
    IReadOnlyList<TokenScope> GrantedScopes,
    int StatusCode);
