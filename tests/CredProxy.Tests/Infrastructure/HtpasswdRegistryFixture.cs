namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>One htpasswd-protected registry shared by a test class.</summary>
public sealed class HtpasswdRegistryFixture : IAsyncLifetime
{
    public const string User = "ci-user";
    public const string Password = "s3cret-Pa55word-xyz";

    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Registry = await RegistryProcess.StartHtpasswdAsync(User, Password, cts.Token);
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}
