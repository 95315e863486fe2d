using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Planning;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>The <c>created_by</c> texts, in the form BuildKit writes them, so tools that read history see familiar lines.</summary>
internal static class HistoryText
{
    public static string ForRun(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> args, bool isShellForm)
    {
        var command = isShellForm ? string.Join(' ', argv) : "[" + string.Join(' ', argv) + "]";
        var visibleArgs = args.Where(a => !PredefinedArgs.IsProxyArg(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        var prefix = visibleArgs.Count == 0
            ? string.Empty
            : $"|{visibleArgs.Count} " + string.Join(' ', visibleArgs.Select(a => $"{a.Key}={a.Value}")) + " ";
        return $"RUN {prefix}{command} # buildkit";
    }

    /// <summary>ENV and LABEL are written from their values (one line, as BuildKit does); others as written, continuations joined.</summary>
    public static string ForInstruction(Instruction instruction) => instruction switch
    {
        EnvInstruction env => "ENV " + string.Join(' ', env.Variables.Select(v => $"{v.Key}={v.Value}")),
        LabelInstruction label => "LABEL " + string.Join(' ', label.Labels.Select(l => $"{l.Key}={l.Value}")),
        _ => string.Join(' ', instruction.Text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)),
    };
}
