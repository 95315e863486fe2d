using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Image;
using Kaniko.Executor.Planning;

namespace Kaniko.Executor.Tests.Planning;

public sealed class BuildPlannerTests
{
    private static readonly Dictionary<string, string> _noArgs = [];

    private static readonly PlanOptions _amd64 = new()
    {
        TargetPlatform = Platform.Parse("linux/amd64"),
        BuildPlatform = Platform.Parse("linux/amd64"),
    };

    private static BuildPlan Plan(string dockerfile, Dictionary<string, string>? buildArgs = null, string? target = null) =>
        BuildPlanner.Plan(dockerfile, "Dockerfile", buildArgs ?? _noArgs, target, _amd64);

    [Fact]
    public void Global_arg_is_expanded_in_from()
    {
        var plan = Plan("ARG VERSION=3.19\nFROM alpine:${VERSION}\nRUN true\n");

        var stage = Assert.Single(plan.Stages);
        Assert.Equal("alpine:3.19", stage.BaseImage);
        Assert.Equal("3.19", plan.GlobalArgs["VERSION"]);
        Assert.IsType<RunInstruction>(Assert.Single(stage.Instructions));
    }

    [Fact]
    public void Build_arg_overrides_global_default()
    {
        var plan = Plan("ARG VERSION=3.19\nFROM alpine:$VERSION\n", new() { ["VERSION"] = "edge" });

        Assert.Equal("alpine:edge", plan.Stages[0].BaseImage);
        Assert.Equal("edge", plan.GlobalArgs["VERSION"]);
        Assert.Empty(plan.UnusedBuildArgs);
    }

    [Fact]
    public void Global_default_can_use_an_earlier_global_arg()
    {
        var plan = Plan("ARG REGISTRY=docker.io\nARG IMAGE=${REGISTRY}/library/alpine\nFROM $IMAGE\n");

        Assert.Equal("docker.io/library/alpine", plan.Stages[0].BaseImage);
    }

    [Fact]
    public void Global_arg_without_value_leaves_from_blank_and_fails()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("ARG IMAGE\nFROM ${IMAGE}\n"));

        Assert.StartsWith("Dockerfile:2: base name (${IMAGE}) should not be blank", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Platform_args_are_available_in_from_without_declaration()
    {
        var plan = Plan("FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine-$TARGETARCH\n");

        Assert.Equal("linux/amd64", plan.Stages[0].Platform);
        Assert.Equal("alpine-amd64", plan.Stages[1].BaseImage);
    }

    [Fact]
    public void Named_stage_is_found_case_insensitively_and_becomes_the_base()
    {
        var plan = Plan("FROM alpine AS Builder\nRUN make\nFROM BUILDER\nRUN test\n");

        Assert.Equal("builder", plan.Stages[0].Name);
        Assert.Equal(0, plan.Stages[1].BaseStageIndex);
        Assert.Contains(0, plan.Stages[1].DependsOn);
        Assert.All(plan.Stages, stage => Assert.True(stage.IsNeeded));
    }

    [Fact]
    public void Copy_from_links_stages_by_name_index_and_leaves_images_alone()
    {
        var plan = Plan("""
            FROM alpine AS one
            FROM alpine AS two
            FROM scratch
            COPY --from=one /a /a
            COPY --from=1 /b /b
            COPY --from=busybox:latest /bin/sh /sh
            """);

        Assert.Equal(new[] { 0, 1 }, plan.Stages[2].DependsOn.Order());
        Assert.True(plan.Stages[2].IsScratch);
    }

    [Fact]
    public void Run_mount_from_a_stage_is_a_dependency()
    {
        var plan = Plan("FROM alpine AS deps\nFROM alpine\nRUN --mount=type=bind,from=deps,target=/deps ls /deps\n");

        Assert.Contains(0, plan.Stages[1].DependsOn);
        Assert.True(plan.Stages[0].IsNeeded);
    }

    [Fact]
    public void Stages_the_target_does_not_need_are_marked()
    {
        var plan = Plan("""
            FROM alpine AS base
            FROM base AS test
            RUN make test
            FROM alpine AS unrelated
            FROM base AS release
            COPY --from=base /x /x
            """, target: "release");

        Assert.Equal(3, plan.TargetStageIndex);
        Assert.Equal(new[] { true, false, false, true }, plan.Stages.Select(stage => stage.IsNeeded));
        Assert.Equal(["base", "release"], plan.NeededStages.Select(stage => stage.Name));
    }

    [Fact]
    public void Target_defaults_to_the_last_stage_and_can_name_an_earlier_one()
    {
        const string Dockerfile = "FROM alpine AS a\nFROM alpine AS b\n";

        Assert.Equal(1, Plan(Dockerfile).TargetStageIndex);
        Assert.Equal(0, Plan(Dockerfile, target: "A").TargetStageIndex);
        Assert.False(Plan(Dockerfile, target: "a").Stages[1].IsNeeded);
    }

    [Fact]
    public void Unknown_target_is_rejected_with_a_suggestion()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM alpine AS build\nFROM alpine AS release\n", target: "relase"));

        Assert.Contains("failed to reach build target relase", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean release?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_from_an_out_of_range_index_is_rejected()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM alpine\nCOPY --from=3 /a /a\n"));

        Assert.StartsWith("Dockerfile:2: invalid stage index 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cycles_between_stages_are_rejected()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("""
            FROM alpine AS a
            COPY --from=b /x /x
            FROM alpine AS b
            COPY --from=a /y /y
            """));

        Assert.Contains("circular dependency detected on stage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stage_copying_from_itself_is_a_cycle()
    {
        Assert.Throws<DockerfileException>(() => Plan("FROM alpine AS a\nCOPY --from=a /x /y\n"));
    }

    [Fact]
    public void Duplicate_stage_names_are_rejected()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM alpine AS a\nFROM alpine AS A\n"));

        Assert.StartsWith("Dockerfile:2: duplicate stage name \"a\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_arg_may_precede_the_first_from()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("ENV A=b\nFROM alpine\n"));

        Assert.StartsWith("Dockerfile:1: no build stage in current context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dockerfile_of_only_args_has_no_stages()
    {
        Assert.Throws<DockerfileException>(() => Plan("ARG A=b\n"));
    }

    [Fact]
    public void Unused_build_args_are_reported_but_predefined_ones_are_not()
    {
        var plan = Plan(
            "ARG USED\nFROM alpine\nARG INSTAGE\n",
            new() { ["USED"] = "1", ["INSTAGE"] = "2", ["UNUSED"] = "3", ["HTTP_PROXY"] = "http://proxy", ["TARGETARCH"] = "arm64" });

        Assert.Equal(["UNUSED"], plan.UnusedBuildArgs);
    }

    [Fact]
    public void Build_args_declared_only_in_pruned_stages_are_unused()
    {
        var plan = Plan("FROM alpine AS other\nARG ONLY_OTHER\nFROM alpine\n", new() { ["ONLY_OTHER"] = "x" });

        Assert.Equal(["ONLY_OTHER"], plan.UnusedBuildArgs);
    }

    [Fact]
    public void Copy_from_expands_stage_args()
    {
        var plan = Plan("""
            ARG SRC=first
            FROM alpine AS first
            FROM alpine AS second
            FROM scratch
            ARG SRC
            COPY --from=$SRC /a /a
            """, new() { ["SRC"] = "second" });

        Assert.Equal(new[] { 1 }, plan.Stages[2].DependsOn);
    }

    [Fact]
    public void Predefined_arg_defaults_come_from_platform_and_build_args()
    {
        var platforms = new BuildPlatforms(Platform.Parse("linux/arm/v7"), Platform.Parse("linux/amd64"));
        var buildArgs = new Dictionary<string, string> { ["HTTP_PROXY"] = "http://proxy:3128" };

        Assert.Equal("linux/arm/v7", PredefinedArgs.DefaultValue("TARGETPLATFORM", buildArgs, platforms));
        Assert.Equal("v7", PredefinedArgs.DefaultValue("TARGETVARIANT", buildArgs, platforms));
        Assert.Equal("amd64", PredefinedArgs.DefaultValue("BUILDARCH", buildArgs, platforms));
        Assert.Equal("http://proxy:3128", PredefinedArgs.DefaultValue("HTTP_PROXY", buildArgs, platforms));
        Assert.Null(PredefinedArgs.DefaultValue("https_proxy", buildArgs, platforms));
        Assert.Null(PredefinedArgs.DefaultValue("NOT_PREDEFINED", buildArgs, platforms));
        Assert.Equal(["HTTP_PROXY"], PredefinedArgs.ProxyValues(buildArgs).Keys);
    }

    [Fact]
    public void Escape_directive_reaches_the_plan()
    {
        var plan = Plan("# escape=`\nFROM alpine\nRUN echo `\n  hi\n");

        Assert.Equal('`', plan.EscapeChar);
        var run = Assert.IsType<RunInstruction>(Assert.Single(plan.Stages[0].Instructions));
        Assert.Equal("echo   hi", run.Command.Arguments[0]);
    }

    [Fact]
    public void Platform_parsing_accepts_common_spellings()
    {
        Assert.True(Platform.TryParse("linux/arm64", out var arm64));
        Assert.Equal("linux/arm64", arm64.ToString());
        Assert.Equal("linux/arm64", Platform.Parse("Linux/AArch64/v8").ToString());
        Assert.True(Platform.TryParse("linux/arm", out var arm));
        Assert.Equal("linux/arm/v7", arm.ToString());
        Assert.True(Platform.TryParse("x86_64", out var amd64));
        Assert.Equal("linux/amd64", amd64.ToString());
        Assert.Equal(string.Empty, amd64.VariantText);
        Assert.False(Platform.TryParse("linux//", out _));
        Assert.False(Platform.TryParse("linux/arm/v7/x", out _));
        Assert.Contains("os/arch[/variant]", Assert.Throws<FormatException>(() => Platform.Parse("")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cycle_error_points_at_the_instruction_that_closes_it()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM alpine AS a\nRUN true\nCOPY --from=a /x /y\n"));

        Assert.StartsWith("Dockerfile:3: circular dependency detected on stage: a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_platform_is_rejected()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM --platform=linux/ alpine\n"));

        Assert.StartsWith("Dockerfile:1: failed to parse platform linux/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stage_name_may_only_refer_to_an_earlier_stage_in_from()
    {
        var plan = Plan("FROM later\nFROM alpine AS later\n");

        Assert.Null(plan.Stages[0].BaseStageIndex);
        Assert.Equal("later", plan.Stages[0].BaseImage);
        Assert.False(plan.Stages[0].IsNeeded);
    }

    [Fact]
    public void Copy_from_may_name_a_later_stage()
    {
        var plan = Plan("FROM alpine\nCOPY --from=tools /bin/x /x\nFROM alpine AS tools\n", target: null);

        Assert.Contains(1, plan.Stages[0].DependsOn);
        Assert.False(plan.Stages[0].IsNeeded);
        Assert.Equal(1, plan.TargetStageIndex);
    }

    [Fact]
    public void Stage_args_resolve_build_arg_then_default_then_global_then_platform()
    {
        var plan = Plan("ARG GLOBAL=g\nARG BOTH=global\nFROM alpine\n", new() { ["BOTH"] = "cli", ["ONLY_CLI"] = "c" });

        Assert.Equal("cli", plan.ResolveStageArg("BOTH", "default"));
        Assert.Equal("default", plan.ResolveStageArg("OTHER", "default"));
        Assert.Equal("g", plan.ResolveStageArg("GLOBAL", null));
        Assert.Equal("c", plan.ResolveStageArg("ONLY_CLI", null));
        Assert.Equal("amd64", plan.ResolveStageArg("TARGETARCH", null));
        Assert.Null(plan.ResolveStageArg("NOTHING", null));
        Assert.Null(plan.ResolveStageArg("HTTP_PROXY", null));
    }

    [Fact]
    public void Needed_stages_come_after_the_stages_they_copy_from()
    {
        var plan = Plan("""
            FROM alpine AS app
            COPY --from=tools /bin/tool /bin/tool
            FROM alpine AS unused
            FROM alpine AS tools
            FROM app AS final
            """);

        Assert.Equal(["tools", "app", "final"], plan.NeededStages.Select(stage => stage.Name));
    }
}
