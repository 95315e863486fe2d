using Kaniko.Executor.Build;

namespace Kaniko.Executor.Tests.Build;

public sealed class UserResolverTests
{
    private static readonly Dictionary<string, string> _files = new()
    {
        ["/etc/passwd"] = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n",
        ["/etc/group"] = "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nwheel:x:10:app\ndocker:x:999:app,other\n",
    };

    private static readonly UserResolver _resolver = new(path => _files.GetValueOrDefault(path));

    [Fact]
    public void Names_resolve_through_passwd_with_supplementary_groups()
    {
        var user = _resolver.Resolve("app", withSupplementaryGroups: true);

        Assert.Equal(1000u, user.Uid);
        Assert.Equal(1000u, user.Gid);
        Assert.Equal([10u, 999u], user.SupplementaryGroups);
    }

    [Theory]
    [InlineData("nobody", 65534u, 65534u)]
    [InlineData("1234", 1234u, 0u)]
    [InlineData("1000", 1000u, 1000u)]
    [InlineData("app:wheel", 1000u, 10u)]
    [InlineData("5:7", 5u, 7u)]
    [InlineData("", 0u, 0u)]
    public void User_and_group_specs_resolve_like_docker(string spec, uint uid, uint gid)
    {
        var user = _resolver.Resolve(spec, withSupplementaryGroups: false);

        Assert.Equal(uid, user.Uid);
        Assert.Equal(gid, user.Gid);
    }

    [Fact]
    public void An_unknown_name_is_an_error_that_says_what_to_do()
    {
        var error = Assert.Throws<InvalidOperationException>(() => _resolver.Resolve("ghost", withSupplementaryGroups: false));

        Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
        Assert.Contains("numeric uid", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999999999", "uid 99999999999 is out of range")]
    [InlineData("1:99999999999", "gid 99999999999 is out of range")]
    public void A_numeric_id_too_big_is_called_out_of_range_not_unknown(string spec, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => _resolver.Resolve(spec, withSupplementaryGroups: false));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
