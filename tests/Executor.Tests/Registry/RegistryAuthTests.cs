using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>A real docker-registry with htpasswd (basic challenge).</summary>
public sealed class RegistryAuthTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync(htpasswd: true);

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _timeout.Dispose();
        return Task.CompletedTask;
    }

    private RegistryClientOptions Options(RegistryCredential? credential) => new()
    {
        InsecureRegistries = new HashSet<string> { _registry.Host },
        Retries = 0,
        Credentials = credential is null ? null : new StaticCredentialSource(new Dictionary<string, RegistryCredential> { [_registry.Host] = credential }),
    };

    [Fact]
    public async Task Pushes_and_pulls_with_basic_credentials()
    {
        using var client = new RegistryClient(Options(new RegistryCredential(LocalRegistry.User, LocalRegistry.Password)));
        var reference = ImageReference.Parse($"{_registry.Host}/auth/app:1");
        var image = TestImage.Create();
        await client.CheckPushPermissionAsync(reference, _timeout.Token);
        await RegistryClientTests.PushAsync(client, reference, image, _timeout.Token);
        var resolved = await client.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), _timeout.Token);
        Assert.Equal(image.Digest, resolved.Reference.Digest);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Missing_or_wrong_credentials_name_the_registry_and_never_the_secret(bool wrong)
    {
        using var client = new RegistryClient(Options(wrong ? new RegistryCredential(LocalRegistry.User, "wrong-password-xyz") : null));
        var reference = ImageReference.Parse($"{_registry.Host}/auth/app:1");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.CheckPushPermissionAsync(reference, _timeout.Token));
        Assert.Equal(401, e.StatusCode);
        Assert.False(e.IsTransient);
        Assert.Contains(_registry.Host, e.Message, StringComparison.Ordinal);
        Assert.Contains(wrong ? "Check the credentials for " + _registry.Host : _registry.Host + " needs credentials", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-xyz", e.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>A real docker-registry with token auth: bearer challenge, token endpoint, RS256 JWTs.</summary>
public sealed class RegistryTokenAuthTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly TokenServer _tokens = new();
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync(htpasswd: false, _tokens, _timeout.Token);

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _tokens.Dispose();
        _timeout.Dispose();
        return Task.CompletedTask;
    }

    private RegistryClientOptions Options(RegistryCredential? credential) => new()
    {
        InsecureRegistries = new HashSet<string> { _registry.Host },
        Retries = 0,
        Credentials = credential is null ? null : new StaticCredentialSource(new Dictionary<string, RegistryCredential> { [_registry.Host] = credential }),
    };

    [Fact]
    public async Task Pushes_mounts_and_pulls_with_bearer_tokens()
    {
        using var client = new RegistryClient(Options(new RegistryCredential(LocalRegistry.User, LocalRegistry.Password)));
        var reference = ImageReference.Parse($"{_registry.Host}/token/app:1");
        var image = TestImage.Create();
        await client.CheckPushPermissionAsync(reference, _timeout.Token);
        await RegistryClientTests.PushAsync(client, reference, image, _timeout.Token);
        var other = ImageReference.Parse($"{_registry.Host}/token/other:1");
        await RegistryClientTests.PushAsync(client, other, image, _timeout.Token);
        var resolved = await client.ResolveImageAsync(other, Platform.Parse("linux/amd64"), _timeout.Token);
        Assert.Equal(image.Digest, resolved.Reference.Digest);
        Assert.Contains("repository:token/app:pull,push", _tokens.Scopes);
        Assert.Contains("repository:token/app:pull", _tokens.Scopes);
    }

    [Fact]
    public async Task Refused_credentials_name_the_token_service_and_registry()
    {
        using var client = new RegistryClient(Options(new RegistryCredential(LocalRegistry.User, "bad-password-abc")));
        var reference = ImageReference.Parse($"{_registry.Host}/token/app:1");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference, _timeout.Token));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("token service", e.Message, StringComparison.Ordinal);
        Assert.Contains(_registry.Host, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bad-password-abc", e.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>A real docker-registry over https with a self-signed certificate.</summary>
public sealed class RegistryTlsTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync(htpasswd: false, token: null, _timeout.Token, tls: true);

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _timeout.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Untrusted_certificate_fails_clearly_and_skip_tls_verify_accepts_it()
    {
        var reference = ImageReference.Parse($"{_registry.Host}/tls/app:1");
        using (var strict = new RegistryClient(new RegistryClientOptions { Retries = 0 }))
        {
            var e = await Assert.ThrowsAsync<RegistryException>(() => strict.CheckPushPermissionAsync(reference, _timeout.Token));
            Assert.False(e.IsTransient);
            Assert.Contains("TLS handshake", e.Message, StringComparison.Ordinal);
            Assert.Contains("--skip-tls-verify", e.Message, StringComparison.Ordinal);
        }

        using var lenient = new RegistryClient(new RegistryClientOptions { Retries = 0, SkipTlsVerify = true });
        var image = TestImage.Create();
        await RegistryClientTests.PushAsync(lenient, reference, image, _timeout.Token);
        Assert.Equal(image.Digest, (await lenient.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), _timeout.Token)).Reference.Digest);

        var other = new HashSet<string> { "other.example.com:5000" };
        using (var elsewhere = new RegistryClient(new RegistryClientOptions { Retries = 0, SkipTlsVerifyRegistries = other }))
        {
            await Assert.ThrowsAsync<RegistryException>(() => elsewhere.GetManifestAsync(reference, _timeout.Token));
        }

        var listedHosts = new HashSet<string> { _registry.Host };
        using var listed = new RegistryClient(new RegistryClientOptions { Retries = 0, SkipTlsVerifyRegistries = listedHosts });
        Assert.Equal(image.Digest, (await listed.GetManifestAsync(reference, _timeout.Token)).Digest);
    }
}
