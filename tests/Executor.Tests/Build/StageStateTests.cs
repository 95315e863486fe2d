using Kaniko.Executor.Build;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Tests.Build;

public sealed class StageStateTests
{
    [Fact]
    public void Every_stage_has_a_path_and_env_overrides_args_in_expansion_but_not_in_config()
    {
        var state = new StageState(StageImage.Scratch(new Platform("amd64", "linux")));
        state.SetArg("MODE", "from-arg");
        state.SetArg("ONLY_ARG", "a");
        state.SetEnvironment("MODE", "from-env");

        var variables = state.ExpansionVariables();
        Assert.Equal("from-env", variables["MODE"]);
        Assert.Equal("a", variables["ONLY_ARG"]);
        Assert.Contains(state.Environment, v => v.StartsWith("PATH=/usr/local/sbin", StringComparison.Ordinal));
        Assert.DoesNotContain(state.Environment, v => v.StartsWith("ONLY_ARG", StringComparison.Ordinal));
        Assert.Contains("ONLY_ARG=a", state.RunEnvironment());
        Assert.Single(state.RunEnvironment(), v => v.StartsWith("MODE=", StringComparison.Ordinal));
    }

    [Fact]
    public void Setting_an_env_variable_again_replaces_it_in_place_of_appending()
    {
        var state = new StageState(StageImage.Scratch(new Platform("amd64", "linux")));
        state.SetEnvironment("A", "1");
        state.SetEnvironment("A", "2");

        Assert.Equal(["A=2"], state.Environment.Where(v => v.StartsWith("A=", StringComparison.Ordinal)));
    }
}
