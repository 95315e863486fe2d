using System.Collections.Concurrent;
using System.Text;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>
/// Every secret the test suite uses: fixed passwords, keys and assertions, and the tokens and session
/// credentials the stand-ins hand out (added as they are made). Each in-process proxy checks all its log
/// lines against the whole list when it is disposed, so a secret in any log line fails the test that made it.
/// </summary>
public static class TestSecrets
{
    private static readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    static TestSecrets()
    {
        AddBasic(HtpasswdRegistryFixture.User, HtpasswdRegistryFixture.Password);
        AddBasic(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        AddBasic(TokenRegistryFixture.Reader, TokenRegistryFixture.ReaderPassword);
        AddBasic(CredProxy.Configuration.EnvironmentUpstreams.JobTokenUser, Tests.Configuration.GitLabRegistryFixture.JobToken);
        foreach (var secret in new[]
        {
            FakeEntraId.ClientSecret, FakeEntraId.FederatedAssertion, "wrong-Secret-456", "ecr-Secret-Key-789", "ecr-registry-Pa55",
            "session-Secret-1", "session-Token-1", "stale-Token-999", "identity-Refresh-Token-0451", "identity-Token-Unknown-77",
            "nope-Pa55word-wxy", "wrong-Pa55word-abc", "wrong-again-Pa55", "credentials not found in native keychain secret-ish", "eyJhbGciOiJSUzI1NiJ9.web-identity-Assertion-456.sig",
            TestCertificates.PfxPassword,
        })
        {
            Add(secret);
        }
    }

    /// <summary>Registers a secret (ignored when shorter than 8 characters: too likely to match by chance).</summary>
    public static void Add(string? secret)
    {
        if (secret is { Length: >= 8 })
        {
            _secrets.TryAdd(secret, 0);
        }
    }

    /// <summary>A password and its Basic header form.</summary>
    public static void AddBasic(string user, string password)
    {
        Add(password);
        Add(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>The registered secrets that occur in <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> FoundIn(string text) =>
        [.. _secrets.Keys.Where(secret => text.Contains(secret, StringComparison.Ordinal))];
}
