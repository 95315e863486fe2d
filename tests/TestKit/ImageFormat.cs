namespace Kaniko.TestKit;

/// <summary>The manifest format an image is pushed in.</summary>
public enum ImageFormat
{
    /// <summary>OCI image manifest (<c>application/vnd.oci.image.manifest.v1+json</c>).</summary>
    Oci,

    /// <summary>Docker schema 2 (<c>application/vnd.docker.distribution.manifest.v2+json</c>).</summary>
    V2s2,
}
