using Kaniko.Executor.Dockerfile;

namespace Kaniko.Executor.Planning;

/// <summary>Dependency questions over stages: what a target reaches, and whether there is a cycle.</summary>
internal static class StageGraph
{
    public static HashSet<int> Reachable(IReadOnlyList<Stage> stages, int target)
    {
        var seen = new HashSet<int>();
        var pending = new Stack<int>();
        pending.Push(target);
        while (pending.Count > 0)
        {
            var index = pending.Pop();
            if (!seen.Add(index))
            {
                continue;
            }

            foreach (var dependency in stages[index].DependsOn)
            {
                pending.Push(dependency);
            }
        }

        return seen;
    }

    public static void RejectCycles(IReadOnlyList<Stage> stages, string file)
    {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = new int[stages.Count];
        for (var start = 0; start < stages.Count; start++)
        {
            if (state[start] != 0)
            {
                continue;
            }

            var path = new Stack<(int Stage, IEnumerator<int> Next)>();
            state[start] = 1;
            path.Push((start, stages[start].DependsOn.GetEnumerator()));
            while (path.Count > 0)
            {
                var (stage, next) = path.Peek();
                if (!next.MoveNext())
                {
                    state[stage] = 2;
                    path.Pop();
                    continue;
                }

                var dependency = next.Current;
                if (state[dependency] == 1)
                {
                    var from = stages[stage].From;
                    throw new DockerfileException(
                        $"circular dependency detected on stage: {stages[dependency].DisplayName}",
                        from.Location with { File = file },
                        from.Text,
                        "a stage cannot copy from or build on itself, directly or through other stages");
                }

                if (state[dependency] == 0)
                {
                    state[dependency] = 1;
                    path.Push((dependency, stages[dependency].DependsOn.GetEnumerator()));
                }
            }
        }
    }
}
