using Kaniko.Executor.Build;
using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Image;
using Kaniko.Executor.Planning;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Build.Cache;

public sealed class CacheChainTests
{
    private static readonly Platform _amd64 = new("amd64", "linux");

    private static readonly IReadOnlyList<Instruction> _instructions = BuildPlanner.Plan(
        """
        FROM scratch
        ENV A=1
        RUN echo one
        COPY a /a
        RUN echo two
        """,
        "/ctx/Dockerfile",
        new Dictionary<string, string>(),
        target: null).Stages[0].Instructions;

    private static LayerCache Cache(LayerCacheOptions? options = null) => new(
        new RegistryClient(new RegistryClientOptions()),
        options ?? new LayerCacheOptions(ImageReference.Parse("127.0.0.1:5000/app/cache"), LayerCacheOptions.DefaultTtl, CacheRunLayers: true, CacheCopyLayers: false, Push: true, "gzip"),
        _amd64,
        Path.GetTempPath(),
        TimeProvider.System,
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    private static StageImage Base(string architecture = "amd64") => StageImage.Scratch(new Platform(architecture, "linux"));

    /// <summary>The keys of the ENV, RUN, COPY, RUN steps, each seeing <paramref name="variables"/>.</summary>
    private static List<CacheStep> Walk(CacheChain chain, IReadOnlyDictionary<string, string> variables, string copyContent = "content-1") =>
    [
        chain.Advance(_instructions[0], variables, CacheStepKind.NotCached, []),
        chain.Advance(_instructions[1], variables, CacheStepKind.Run, ["/bin/sh", "-c", "echo one"]),
        chain.Advance(_instructions[2], variables, CacheStepKind.Copy, [copyContent]),
        chain.Advance(_instructions[3], variables, CacheStepKind.Run, ["/bin/sh", "-c", "echo two"]),
    ];

    private static Dictionary<string, string> Vars(params (string Name, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public void The_same_inputs_give_the_same_keys_and_each_step_its_own()
    {
        var cache = Cache();
        var first = Walk(new CacheChain(cache, Base()), Vars(("A", "1")));
        var second = Walk(new CacheChain(cache, Base()), Vars(("A", "1")));

        Assert.Equal(first.Select(s => s.Key), second.Select(s => s.Key));
        Assert.Equal(4, first.Select(s => s.Key).Distinct().Count());
        Assert.All(first, s => Assert.Matches("^[0-9a-f]{64}$", s.Key));
    }

    [Fact]
    public void Flags_decide_which_steps_are_looked_up_and_stored()
    {
        var steps = Walk(new CacheChain(Cache(), Base()), Vars());

        Assert.Equal([false, true, false, true], steps.Select(s => s.LookUp));
        Assert.Equal([false, true, false, true], steps.Select(s => s.Store));

        var copyToo = Cache(new LayerCacheOptions(ImageReference.Parse("127.0.0.1:5000/app/cache"), LayerCacheOptions.DefaultTtl, CacheRunLayers: false, CacheCopyLayers: true, Push: false, "gzip"));
        var other = Walk(new CacheChain(copyToo, Base()), Vars());
        Assert.Equal([false, false, true, false], other.Select(s => s.LookUp));
        Assert.All(other, s => Assert.False(s.Store));
    }

    [Fact]
    public void After_a_miss_later_steps_are_stored_but_not_looked_up()
    {
        var chain = new CacheChain(Cache(), Base());
        chain.Advance(_instructions[0], Vars(), CacheStepKind.NotCached, []);
        var run = chain.Advance(_instructions[1], Vars(), CacheStepKind.Run, ["echo one"]);
        Assert.True(run.LookUp);
        chain.MarkMissed();

        var later = chain.Advance(_instructions[3], Vars(), CacheStepKind.Run, ["echo two"]);
        Assert.False(later.LookUp);
        Assert.True(later.Store);
    }

    [Fact]
    public void A_changed_input_changes_that_key_and_every_later_one_only()
    {
        var cache = Cache();
        var baseline = Walk(new CacheChain(cache, Base()), Vars(("A", "1")));
        var changedCopy = Walk(new CacheChain(cache, Base()), Vars(("A", "1")), copyContent: "content-2");

        Assert.Equal(baseline[0].Key, changedCopy[0].Key);
        Assert.Equal(baseline[1].Key, changedCopy[1].Key);
        Assert.NotEqual(baseline[2].Key, changedCopy[2].Key);
        Assert.NotEqual(baseline[3].Key, changedCopy[3].Key);

        var changedVariable = Walk(new CacheChain(cache, Base()), Vars(("A", "2")));
        Assert.All(baseline.Zip(changedVariable), pair => Assert.NotEqual(pair.First.Key, pair.Second.Key));

        var otherBase = Walk(new CacheChain(cache, Base("arm64")), Vars(("A", "1")));
        Assert.NotEqual(baseline[0].Key, otherBase[0].Key);
    }

    [Fact]
    public void Proxy_args_do_not_change_keys_as_in_buildkit()
    {
        var cache = Cache();
        var without = Walk(new CacheChain(cache, Base()), Vars(("A", "1")));
        var with = Walk(new CacheChain(cache, Base()), Vars(("A", "1"), ("HTTP_PROXY", "http://proxy.example:3128")));

        Assert.Equal(without.Select(s => s.Key), with.Select(s => s.Key));
    }

    [Fact]
    public void The_layer_format_is_part_of_every_key()
    {
        var gzip = Walk(new CacheChain(Cache(), Base()), Vars());
        var zstd = Walk(
            new CacheChain(Cache(new LayerCacheOptions(ImageReference.Parse("127.0.0.1:5000/app/cache"), LayerCacheOptions.DefaultTtl, true, false, true, "zstd")), Base()),
            Vars());

        Assert.All(gzip.Zip(zstd), pair => Assert.NotEqual(pair.First.Key, pair.Second.Key));
    }

    [Fact]
    public void A_stage_built_on_another_continues_its_chain_unless_it_was_abandoned()
    {
        var cache = Cache();
        var first = new CacheChain(cache, Base());
        Walk(first, Vars());
        var built = Base() with { CacheKey = first.StageKey };

        var next = new CacheChain(cache, built);
        var again = new CacheChain(cache, built);
        Assert.Equal(next.Key, again.Key);
        Assert.NotEqual(new CacheChain(cache, Base()).Key, next.Key);

        first.Abandon();
        Assert.Null(first.StageKey);
        var afterAbandon = first.Advance(_instructions[3], Vars(), CacheStepKind.Run, ["echo two"]);
        Assert.False(afterAbandon.LookUp);
        Assert.False(afterAbandon.Store);
    }
}
