using System.Text;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Tests.Image;

public sealed class DigestTests
{
    [Fact]
    public void Sha256_of_content_matches_the_known_value()
    {
        var digest = Digest.Sha256Of(Encoding.UTF8.GetBytes("hello\n"));

        Assert.Equal("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", digest.ToString());
        Assert.Equal(digest, Digest.Parse(digest.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:")]
    [InlineData("sha256:ABCDEF5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846")]
    [InlineData("md5:5891b5b522d5df086d0ff0b110fbd9d2")]
    [InlineData("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")]
    public void Malformed_digests_are_refused(string text)
    {
        Assert.False(Digest.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Digest.Parse(text));
    }
}
