using System.Globalization;
using System.Text.RegularExpressions;

namespace Kaniko.TestKit;

/// <summary>One request from the registry's access log.</summary>
public sealed partial record RegistryRequest(string Method, string Path, int StatusCode, string UserAgent)
{
    /// <summary>The User-Agent of the test bed's own readiness probes, left out of <see cref="RegistryServer.Requests"/>.</summary>
    public const string ProbeUserAgent = "kaniko-testbed-probe";

    /// <summary>Parses a combined-log-format line (<c>"GET /v2/ HTTP/1.1" 200 SIZE "REFERER" "AGENT"</c>); null otherwise.</summary>
    public static RegistryRequest? TryParse(string line)
    {
        var match = LinePattern().Match(line);
        return match.Success
            ? new RegistryRequest(
                match.Groups["method"].Value,
                match.Groups["path"].Value,
                int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture),
                match.Groups["agent"].Value)
            : null;
    }

    [GeneratedRegex("\"(?<method>[A-Z]+) (?<path>\\S+) HTTP/[0-9.]+\" (?<status>[0-9]{3}) \\S+ \"[^\"]*\" \"(?<agent>[^\"]*)\"")]
    private static partial Regex LinePattern();
}
