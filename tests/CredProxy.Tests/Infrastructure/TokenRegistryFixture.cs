namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>A registry in token mode and its issuer, shared by a test class.</summary>
public sealed class TokenRegistryFixture : IAsyncLifetime
{
    public const string User = "robot";
    public const string Password = "t0ken-Pa55word-qrs";
    public const string Reader = "reader";
    public const string ReaderPassword = "reader-Pa55word-tuv";

    public TokenIssuer Issuer { get; private set; } = null!;

    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Issuer = await TokenIssuer.StartAsync(cts.Token);
        Issuer.Users[User] = Password;
        Issuer.Users[Reader] = ReaderPassword;
        Issuer.PullOnlyUsers.Add(Reader);
        Registry = await RegistryProcess.StartTokenAsync(Issuer.Realm.ToString(), TokenIssuer.Service, TokenIssuer.Issuer, Issuer.CertificatePem, cts.Token);
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
