using System.Text.RegularExpressions;

namespace Kaniko.CredProxy.Policy;

/// <summary>The distribution spec's repository name grammar.</summary>
public static partial class RepositoryName
{
    public static bool IsValid(string name) => name.Length is > 0 and <= 255 && NameRegex().IsMatch(name);

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
