using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Instructions;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class RunMountTests
{
    [Fact]
    public void Bind_is_the_default_type_and_read_only()
    {
        var mount = RunMount.Parse("target=/src,from=build,source=/out");

        Assert.Equal(RunMountType.Bind, mount.Type);
        Assert.Equal("/src", mount.Target);
        Assert.Equal("build", mount.From);
        Assert.Equal("/out", mount.Source);
        Assert.True(mount.ReadOnly);
        Assert.False(RunMount.Parse("type=bind,target=/src,rw").ReadOnly);
        Assert.False(RunMount.Parse("type=bind,dst=/src,readwrite=true").ReadOnly);
    }

    [Fact]
    public void Cache_mount_defaults()
    {
        var mount = RunMount.Parse("type=cache,target=/root/.cache,sharing=locked,mode=0755,uid=1000,gid=1000");

        Assert.Equal(RunMountType.Cache, mount.Type);
        Assert.Equal("/root/.cache", mount.Id);
        Assert.False(mount.ReadOnly);
        Assert.Equal(CacheSharing.Locked, mount.Sharing);
        Assert.Equal(0x1ED, mount.Mode);
        Assert.Equal(1000, mount.Uid);
        Assert.Equal(1000, mount.Gid);
    }

    [Fact]
    public void Secret_mount_defaults_its_target_and_id()
    {
        var byId = RunMount.Parse("type=secret,id=npmrc,required");
        var byTarget = RunMount.Parse("type=secret,target=/root/.npmrc");
        var byEnv = RunMount.Parse("type=secret,id=token,env=TOKEN");

        Assert.Equal("/run/secrets/npmrc", byId.Target);
        Assert.True(byId.Required);
        Assert.Equal(".npmrc", byTarget.Id);
        Assert.Null(byEnv.Target);
        Assert.Equal("TOKEN", byEnv.Env);
    }

    [Fact]
    public void Ssh_and_tmpfs_mounts()
    {
        Assert.Equal("default", RunMount.Parse("type=ssh").Id);
        Assert.Equal(64L << 20, RunMount.Parse("type=tmpfs,target=/tmp,size=64m").SizeBytes);
    }

    [Fact]
    public void Quoted_fields_may_contain_commas()
    {
        Assert.Equal("/a,b", RunMount.Parse("\"target=/a,b\"").Target);
    }

    [Theory]
    [InlineData("type=volume,target=/x", "unsupported mount type \"volume\"")]
    [InlineData("type=bind", "mount target must be specified")]
    [InlineData("type=cache,target=/x,colour=blue", "unexpected key 'colour'")]
    [InlineData("type=cache,target=/x,sharing=sometimes", "unsupported sharing value")]
    [InlineData("type=cache,target=/x,mode=999", "invalid value for mode")]
    [InlineData("type=bind,target=/x,ro=maybe", "invalid value for ro")]
    [InlineData("type=secret", "secret mount needs an id or a target")]
    [InlineData("type=secret,id=a,from=b", "secret mount should not have a from")]
    [InlineData("type=tmpfs,target=/t,size=lots", "invalid size")]
    [InlineData("type=tmpfs,target=/t,size=79228162514264337593543950335p", "invalid size")]
    [InlineData("type=tmpfs,target=/t,from=x", "tmpfs mount can't have a source or from")]
    [InlineData("type=bind,target", "invalid field 'target' must be a key=value pair")]
    [InlineData("\"target=/x", "unterminated quote")]
    public void Invalid_mounts_are_rejected(string value, string message)
    {
        var error = Assert.Throws<DockerfileException>(() => RunMount.Parse(value));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_instruction_parses_its_expanded_mounts_with_its_location()
    {
        var run = Assert.IsType<RunInstruction>(DockerfileReader.Read("FROM a\nRUN --mount=type=cache,target=/c --mount=type=nope x\n", "Dockerfile").Instructions[1]);

        var error = Assert.Throws<DockerfileException>(() => run.ParseMounts());

        Assert.StartsWith("Dockerfile:2: unsupported mount type \"nope\"", error.Message, StringComparison.Ordinal);
    }
}
