using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Image;

public sealed record Platform(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os)
{
    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    /// <summary>Parses <c>os/arch[/variant]</c>, as in <c>--custom-platform linux/arm64/v8</c>.</summary>
    public static Platform Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new FormatException($"'{text}' is not a platform: expected os/arch[/variant], e.g. linux/amd64");
        }

        return new Platform(parts[1].ToLowerInvariant(), parts[0].ToLowerInvariant())
        {
            Variant = parts.Length == 3 ? parts[2].ToLowerInvariant() : null,
        };
    }

    /// <summary>The platform this process runs on, in OCI names.</summary>
    public static Platform Host()
    {
        var (architecture, variant) = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => ("amd64", (string?)null),
            System.Runtime.InteropServices.Architecture.Arm64 => ("arm64", "v8"),
            System.Runtime.InteropServices.Architecture.Arm => ("arm", "v7"),
            System.Runtime.InteropServices.Architecture.X86 => ("386", null),
            System.Runtime.InteropServices.Architecture.S390x => ("s390x", null),
            System.Runtime.InteropServices.Architecture.Ppc64le => ("ppc64le", null),
            System.Runtime.InteropServices.Architecture.RiscV64 => ("riscv64", null),
            var other => (other.ToString().ToLowerInvariant(), null),
        };
        return new Platform(architecture, "linux") { Variant = variant };
    }

    /// <summary>True when an image for <paramref name="candidate"/> can serve this platform (variant optional on either side for arm64).</summary>
    public bool IsSatisfiedBy(Platform candidate)
    {
        if (!string.Equals(Os, candidate.Os, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(Architecture, candidate.Architecture, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return Variant is null || candidate.Variant is null
            || string.Equals(Variant, candidate.Variant, StringComparison.OrdinalIgnoreCase);
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
