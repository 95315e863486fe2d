namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>Reports each kind of tolerated failure once per layer (device nodes, ownership, xattrs); thread-safe.</summary>
internal sealed class ExtractionWarnings(string layerName, Action<string>? sink)
{
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    public void Once(string kind, string message)
    {
        lock (_reported)
        {
            if (!_reported.Add(kind))
            {
                return;
            }
        }

        sink?.Invoke($"layer {layerName}: {message} (further such cases in this layer are not reported)");
    }
}
