using System.Text;

namespace Kaniko.Executor.Planning;

/// <summary>Renders a <see cref="BuildPlan"/> for people (<c>executor --dryrun</c>).</summary>
public static class PlanPrinter
{
    public static string Print(BuildPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var output = new StringBuilder();
        output.Append("Build plan: ").Append(plan.Stages.Count).Append(plan.Stages.Count == 1 ? " stage" : " stages")
            .Append(", target ").Append(Describe(plan.TargetStage))
            .Append(", platform ").Append(plan.Platforms.Target)
            .Append('\n');

        output.Append("Build order: ").Append(string.Join(", ", plan.NeededStages.Select(Describe))).Append('\n');

        if (plan.GlobalArgs.Count > 0)
        {
            output.Append("Global ARGs:\n");
            foreach (var (name, value) in plan.GlobalArgs.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                output.Append("  ").Append(name).Append('=').Append(value).Append('\n');
            }
        }

        if (plan.UnusedBuildArgs.Count > 0)
        {
            output.Append("Build args not consumed: ").Append(string.Join(", ", plan.UnusedBuildArgs)).Append('\n');
        }

        foreach (var warning in plan.Warnings)
        {
            output.Append("Warning: ").Append(warning).Append('\n');
        }

        foreach (var stage in plan.Stages)
        {
            output.Append('\n').Append("Stage ").Append(Describe(stage));
            if (!stage.IsNeeded)
            {
                output.Append(" (skipped: not needed for the target)");
            }

            output.Append('\n');
            output.Append("  FROM ").Append(stage.BaseImage);
            if (stage.BaseStageIndex is int baseIndex)
            {
                output.Append(" (stage ").Append(baseIndex).Append(')');
            }

            if (stage.Platform is not null)
            {
                output.Append(" --platform=").Append(stage.Platform);
            }

            output.Append('\n');
            if (stage.DependsOn.Count > 0)
            {
                output.Append("  depends on stages: ").Append(string.Join(", ", stage.DependsOn)).Append('\n');
            }

            foreach (var instruction in stage.Instructions)
            {
                output.Append("  ").Append(instruction.Location.StartLine.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4))
                    .Append(": ").Append(OneLine(instruction.Text)).Append('\n');
            }
        }

        return output.ToString();
    }

    private static string Describe(Stage stage) =>
        stage.Name is null ? $"#{stage.Index}" : $"#{stage.Index} \"{stage.Name}\"";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
