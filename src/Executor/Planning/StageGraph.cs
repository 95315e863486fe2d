using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Instructions;

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

    /// <summary>Throws at the instruction that closes a cycle (<paramref name="reasons"/>: which instruction made each edge).</summary>
    public static void RejectCycles(IReadOnlyList<Stage> stages, IReadOnlyDictionary<(int Stage, int Dependency), Instruction> reasons)
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
                    Instruction culprit = reasons.TryGetValue((stage, dependency), out var reason) ? reason : stages[stage].From;
                    throw new DockerfileException(
                        $"circular dependency detected on stage: {stages[dependency].DisplayName}",
                        culprit.Location,
                        culprit.Text,
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

    /// <summary>
    /// The given stages ordered so that every stage comes after the stages it depends on
    /// (a COPY --from may name a later stage); otherwise in Dockerfile order. Assumes no cycles.
    /// </summary>
    public static IReadOnlyList<Stage> BuildOrder(IReadOnlyList<Stage> stages, IEnumerable<int> included)
    {
        var members = new HashSet<int>(included);
        var waitingOn = new Dictionary<int, int>();
        var dependents = new Dictionary<int, List<int>>();
        foreach (var index in members)
        {
            var dependencies = stages[index].DependsOn.Where(members.Contains).ToArray();
            waitingOn[index] = dependencies.Length;
            foreach (var dependency in dependencies)
            {
                if (!dependents.TryGetValue(dependency, out var list))
                {
                    dependents[dependency] = list = [];
                }

                list.Add(index);
            }
        }

        var ready = new SortedSet<int>(members.Where(index => waitingOn[index] == 0));
        var order = new List<Stage>(members.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(stages[next]);
            foreach (var dependent in dependents.GetValueOrDefault(next) ?? [])
            {
                if (--waitingOn[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        return order;
    }
}
