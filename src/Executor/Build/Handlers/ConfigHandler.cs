using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>The instructions that change only the image config: no filesystem work, an empty-layer history entry.</summary>
internal static class ConfigHandler
{
    public static bool TryApply(Instruction instruction, StageState state)
    {
        switch (instruction)
        {
            case EnvInstruction env:
                foreach (var (name, value) in env.Variables)
                {
                    state.SetEnvironment(name, value);
                }

                return true;
            case LabelInstruction label:
                state.UpdateContainerConfig(c => c with { Labels = Merge(c.Labels, label.Labels) });
                return true;
            case ExposeInstruction expose:
                state.UpdateContainerConfig(c => c with
                {
                    ExposedPorts = AddKeys(c.ExposedPorts, expose.Ports.Select(p => p.Contains('/', StringComparison.Ordinal) ? p.ToLowerInvariant() : p + "/tcp")),
                });
                return true;
            case VolumeInstruction volume:
                state.UpdateContainerConfig(c => c with { Volumes = AddKeys(c.Volumes, volume.Paths) });
                return true;
            case CmdInstruction cmd:
                state.CmdSetInStage = true;
                state.UpdateContainerConfig(c => c with { Cmd = ToArgv(cmd.Command, state) });
                return true;
            case EntrypointInstruction entrypoint:
                // Docker clears a CMD inherited from the base when ENTRYPOINT is set, but keeps one set in this stage.
                state.UpdateContainerConfig(c => c with
                {
                    Entrypoint = ToArgv(entrypoint.Command, state),
                    Cmd = state.CmdSetInStage ? c.Cmd : null,
                });
                return true;
            case UserInstruction user:
                state.UpdateContainerConfig(c => c with { User = user.User });
                return true;
            case StopSignalInstruction stop:
                state.UpdateContainerConfig(c => c with { StopSignal = stop.Signal });
                return true;
            case ShellInstruction shell:
                state.UpdateContainerConfig(c => c with { Shell = shell.Shell });
                return true;
            case OnbuildInstruction onbuild:
                state.UpdateContainerConfig(c => c with { OnBuild = [.. c.OnBuild ?? [], onbuild.Trigger] });
                return true;
            case MaintainerInstruction maintainer:
                state.ReplaceConfig(state.Config with { Author = maintainer.Maintainer });
                return true;
            case HealthcheckInstruction health:
                state.UpdateContainerConfig(c => c with { Healthcheck = ToHealthConfig(health) });
                return true;
            default:
                return false;
        }
    }

    private static IReadOnlyList<string> ToArgv(CommandLine command, StageState state) =>
        command.IsShellForm ? [.. state.Shell, command.Arguments[0]] : command.Arguments;

    private static HealthConfig ToHealthConfig(HealthcheckInstruction health)
    {
        if (health.Test is null || (health.Test.Count == 1 && health.Test[0].Equals("NONE", StringComparison.OrdinalIgnoreCase)))
        {
            return new HealthConfig { Test = ["NONE"] };
        }

        return new HealthConfig
        {
            Test = health.Test,
            Interval = Nanoseconds(health.Interval),
            Timeout = Nanoseconds(health.Timeout),
            StartPeriod = Nanoseconds(health.StartPeriod),
            StartInterval = Nanoseconds(health.StartInterval),
            Retries = health.Retries,
        };
    }

    private static long? Nanoseconds(TimeSpan? value) => value is { } v ? v.Ticks * 100 : null;

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? existing, IEnumerable<KeyValuePair<string, string>> added)
    {
        var merged = existing is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(existing, StringComparer.Ordinal);
        foreach (var (key, value) in added)
        {
            merged[key] = value;
        }

        return merged;
    }

    private static Dictionary<string, EmptyObject> AddKeys(IReadOnlyDictionary<string, EmptyObject>? existing, IEnumerable<string> keys)
    {
        var merged = existing is null ? new Dictionary<string, EmptyObject>(StringComparer.Ordinal) : new Dictionary<string, EmptyObject>(existing, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            merged[key] = new EmptyObject();
        }

        return merged;
    }
}
