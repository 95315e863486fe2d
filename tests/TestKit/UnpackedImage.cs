namespace Kaniko.TestKit;

/// <summary>An image unpacked by umoci: an OCI runtime bundle.</summary>
/// <param name="BundleDirectory">The bundle folder.</param>
/// <param name="RootfsDirectory">The image's files.</param>
/// <param name="RuntimeConfigPath">The OCI runtime config.json umoci derived from the image config.</param>
public sealed record UnpackedImage(string BundleDirectory, string RootfsDirectory, string RuntimeConfigPath);
