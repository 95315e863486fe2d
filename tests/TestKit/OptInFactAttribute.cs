using Xunit;

namespace Kaniko.TestKit;

/// <summary>
/// A fact that runs only when an environment variable is set to 1 (slow or heavy tests), e.g.
/// <c>[OptInFact("KANIKO_TEST_DEBIAN")]</c>; otherwise it is reported as skipped with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OptInFactAttribute : FactAttribute
{
    public OptInFactAttribute(string variable)
    {
        Variable = variable;
        if (Environment.GetEnvironmentVariable(variable) != "1")
        {
            Skip = $"opt-in: set {variable}=1 to run";
        }
    }

    public string Variable { get; }
}
