using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>The registry goes away in the middle of a push.</summary>
public sealed class RegistryOutageTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Registry_stopped_mid_push_gives_a_clear_error_after_retries_and_no_tag()
    {
        using var registry = await LocalRegistry.StartAsync(cancellationToken: _timeout.Token);
        var options = new RegistryClientOptions
        {
            InsecureRegistries = new HashSet<string> { registry.Host },
            Retries = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        };
        using var client = new RegistryClient(options);
        var reference = ImageReference.Parse($"{registry.Host}/outage/app:1");
        var image = TestImage.Create(layerSizes: [8 * 1024 * 1024, 1000]);
        var (big, bytes) = image.Layers[0];

        var e = await Assert.ThrowsAsync<RegistryException>(async () =>
        {
            await client.PushBlobAsync(reference, big, () => new KillingStream(bytes, 1024 * 1024, registry.Stop), _timeout.Token);
            await client.PushManifestAsync(reference, image.ManifestBytes, image.MediaType, _timeout.Token);
        });
        Assert.True(e.IsTransient);
        Assert.Contains(big.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(registry.Host, e.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 3 attempts", e.Message, StringComparison.Ordinal);

        await registry.StartAgainAsync(_timeout.Token);
        Assert.False(registry.HasTag("outage/app", "1"));
        Assert.False(await client.BlobExistsAsync(reference, big.Digest, _timeout.Token));
        var missing = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference, _timeout.Token));
        Assert.Equal(404, missing.StatusCode);
    }

    /// <summary>Serves content and runs an action once a number of bytes has been read.</summary>
    private sealed class KillingStream(byte[] content, int killAfter, Action kill) : MemoryStream(content, writable: false)
    {
        private bool _killed;

        public override int Read(byte[] buffer, int offset, int count)
        {
            KillIfDue();
            return base.Read(buffer, offset, count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            KillIfDue();
            return base.ReadAsync(buffer, cancellationToken);
        }

        private void KillIfDue()
        {
            if (!_killed && Position >= killAfter)
            {
                _killed = true;
                kill();
            }
        }
    }
}
