using Kaniko.Executor.Image.Assembly;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Image.Publishing;

/// <summary>Pushes an assembled image to each destination: layers, config, then the manifest that names them.</summary>
public sealed class ImagePublisher(RegistryClient client)
{
    public async Task PushAsync(AssembledImage image, ImageReference destination, CancellationToken cancellationToken)
    {
        foreach (var layer in image.Layers)
        {
            await client.PushBlobAsync(destination, layer.Descriptor, () => File.OpenRead(layer.Path), cancellationToken).ConfigureAwait(false);
        }

        await client.PushBlobAsync(destination, image.Config, () => new MemoryStream(image.ConfigBytes, writable: false), cancellationToken).ConfigureAwait(false);
        await client.PushManifestAsync(destination, image.ManifestBytes, image.ManifestMediaType, cancellationToken).ConfigureAwait(false);
    }
}
