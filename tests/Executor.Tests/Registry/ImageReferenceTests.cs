using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

public class ImageReferenceTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", null, "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", null, "docker.io/library/busybox:1.36")]
    [InlineData("user/app", "docker.io", "user/app", "latest", null, "docker.io/user/app:latest")]
    [InlineData("docker.io/busybox", "docker.io", "library/busybox", "latest", null, "docker.io/library/busybox:latest")]
    [InlineData("index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", null, "docker.io/library/busybox:1")]
    [InlineData("localhost/app", "localhost", "app", "latest", null, "localhost/app:latest")]
    [InlineData("localhost:5000/a/b/c:v1", "localhost:5000", "a/b/c", "v1", null, "localhost:5000/a/b/c:v1")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", null, "127.0.0.1:5000/app:latest")]
    [InlineData("registry.gitlab.com/group/sub/project/image:1.0-rc_2", "registry.gitlab.com", "group/sub/project/image", "1.0-rc_2", null, "registry.gitlab.com/group/sub/project/image:1.0-rc_2")]
    [InlineData("ghcr.io/o/r@sha256:" + Hex, "ghcr.io", "o/r", null, "sha256:" + Hex, "ghcr.io/o/r@sha256:" + Hex)]
    [InlineData("ghcr.io/o/r:v2@sha256:" + Hex, "ghcr.io", "o/r", "v2", "sha256:" + Hex, "ghcr.io/o/r:v2@sha256:" + Hex)]
    [InlineData("[::1]:5000/app:x", "[::1]:5000", "app", "x", null, "[::1]:5000/app:x")]
    [InlineData("a.b-c.d--e/x", "a.b-c.d--e", "x", "latest", null, "a.b-c.d--e/x:latest")]
    [InlineData("my_org/my-app.name", "docker.io", "my_org/my-app.name", "latest", null, "docker.io/my_org/my-app.name:latest")]
    public void Parses_and_normalises(string text, string registry, string repository, string? tag, string? digest, string full)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.ToString());
        Assert.Equal(full, reference.ToString());
        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Busybox", "lowercase")]
    [InlineData("docker.io/User/app", "lowercase")]
    [InlineData("busybox:", "tag")]
    [InlineData("busybox:-x", "tag")]
    [InlineData("busybox@sha256:abc", "digest")]
    [InlineData("busybox@md5:" + Hex, "digest")]
    [InlineData("reg.io/app//x", "repository name")]
    [InlineData("reg.io/app_", "repository name")]
    [InlineData("reg.io/-app", "repository name")]
    [InlineData("bad host:5000/app", "white space")]
    [InlineData("reg.io:port/app", "registry")]
    [InlineData("reg.io/", "repository")]
    [InlineData("reg.io:99999/app", "port")]
    [InlineData("reg.io:0/app", "port")]
    public void Rejects_invalid_references_precisely(string text, string mentions)
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(text));
        Assert.Contains(mentions, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(ImageReference.TryParse(text, out _));
    }

    [Fact]
    public void Rejects_names_longer_than_255()
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse("reg.io/" + new string('a', 260)));
        Assert.Contains("255", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_digest_and_tag_keep_the_repository()
    {
        var digest = Digest.Parse("sha256:" + Hex);
        var reference = ImageReference.Parse("reg.io/app:1").WithDigest(digest);
        Assert.Equal("reg.io/app:1@sha256:" + Hex, reference.ToString());
        Assert.Equal("sha256:" + Hex, reference.Identifier);
        Assert.Equal("reg.io/app:2@sha256:" + Hex, reference.WithTag("2").ToString());
        Assert.Equal("reg.io/app", reference.RepositoryName);
        Assert.Throws<FormatException>(() => reference.WithTag("no/slash"));
    }
}
