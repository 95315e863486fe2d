using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Tests.Routing;

public sealed class LocationRewriterTests
{
    private static readonly Uri _request = new("http://127.0.0.1:5000/v2/a/b/blobs/uploads/?x=1");
    private static readonly Uri _endpoint = new("http://127.0.0.1:5000");

    [Theory]
    [InlineData("http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=AbC%3D", "reg.example", "http://127.0.0.1:9/v2/a/b/blobs/uploads/u1?_state=AbC%3D&ns=reg.example")]
    [InlineData("/v2/a/b/blobs/uploads/u1?_state=x%2By", "reg.example", "http://127.0.0.1:9/v2/a/b/blobs/uploads/u1?_state=x%2By&ns=reg.example")]
    [InlineData("/v2/a/b/blobs/uploads/u1", "reg.example%3A5000", "http://127.0.0.1:9/v2/a/b/blobs/uploads/u1?ns=reg.example%3A5000")]
    [InlineData("u2?s=1", null, "http://127.0.0.1:9/v2/a/b/blobs/uploads/u2?s=1")]
    [InlineData("http://127.0.0.1:5000/v2/a/b/blobs/sha256:ab", null, "http://127.0.0.1:9/v2/a/b/blobs/sha256:ab")]
    public void Registry_locations_point_at_the_proxy(string location, string? ns, string expected) =>
        Assert.Equal(expected, LocationRewriter.Rewrite(location, _request, _endpoint, "http://127.0.0.1:9", ns));

    [Theory]
    [InlineData("https://storage.example/bucket/blob?X-Amz-Signature=abc")]
    [InlineData("http://127.0.0.1:5001/v2/a/b/blobs/uploads/u1")]
    [InlineData("//other.example/v2/x")]
    public void Other_hosts_are_left_alone(string location) =>
        Assert.Null(LocationRewriter.Rewrite(location, _request, _endpoint, "http://127.0.0.1:9", "reg"));

    [Fact]
    public void Link_headers_are_rewritten() =>
        Assert.Equal(
            "<http://127.0.0.1:9/v2/a/b/tags/list?n=10&last=x&ns=reg>; rel=\"next\"",
            LocationRewriter.RewriteLink("</v2/a/b/tags/list?n=10&last=x>; rel=\"next\"", _request, _endpoint, "http://127.0.0.1:9", "reg"));

    [Theory]
    [InlineData("/v2/a/manifests/x?ns=reg.example", "/v2/a/manifests/x", "reg.example")]
    [InlineData("/v2/a/blobs/uploads/u?_state=a%3D%3D&ns=r%3A5000&digest=sha256%3Aab", "/v2/a/blobs/uploads/u?_state=a%3D%3D&digest=sha256%3Aab", "r%3A5000")]
    [InlineData("/v2/a/blobs/uploads/u?_state=a%3D%3D&&x", "/v2/a/blobs/uploads/u?_state=a%3D%3D&&x", null)]
    public void Raw_targets_lose_only_ns(string raw, string upstream, string? ns)
    {
        var target = RawTarget.Parse(raw);
        Assert.Equal(upstream, target.UpstreamPathAndQuery);
        Assert.Equal(ns, target.NsQueryValue);
    }
}
