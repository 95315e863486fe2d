using Kaniko.Executor.Image;
using Kaniko.Executor.Planning;

namespace Kaniko.Executor.Tests.Planning;

public sealed class PlanPrinterTests
{
    [Fact]
    public void Prints_stages_bases_instructions_and_pruning()
    {
        var options = new PlanOptions { TargetPlatform = Platform.Parse("linux/amd64"), BuildPlatform = Platform.Parse("linux/amd64") };
        var plan = BuildPlanner.Plan(
            "ARG TAG=3.19\nFROM alpine:$TAG AS build\nRUN make \\\n  all\nFROM alpine AS unused\nFROM build\nCOPY --from=build /out /out\n",
            "Dockerfile",
            new Dictionary<string, string> { ["EXTRA"] = "1" },
            null,
            options);

        var text = PlanPrinter.Print(plan);

        Assert.Equal(
            """
            Build plan: 3 stages, target #2, platform linux/amd64
            Build order: #0 "build", #2
            Global ARGs:
              TAG=3.19
            Build args not consumed: EXTRA

            Stage #0 "build"
              FROM alpine:3.19
                 3: RUN make   all

            Stage #1 "unused" (skipped: not needed for the target)
              FROM alpine

            Stage #2
              FROM build (stage 0)
              depends on stages: 0
                 7: COPY --from=build /out /out

            """.ReplaceLineEndings("\n"),
            text);
    }
}
