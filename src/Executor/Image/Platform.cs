using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Kaniko.Executor.Image;

/// <summary>An OCI platform (os/architecture[/variant]): of an image, of an index entry, or built for.</summary>

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

    /// <summary>
    /// Parses <c>os/arch[/variant]</c> (as in <c>--custom-platform</c> or <c>FROM --platform</c>) or a bare
    /// architecture (Linux assumed), normalised as containerd does: x86_64 is amd64, aarch64 is arm64, arm
    /// without a variant is v7, and arm64's default variant v8 is left out.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Platform? platform)
    {
        platform = null;
        var parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(part => part.Length == 0))
        {
            return false;
        }

        var (os, architecture) = parts.Length == 1 ? ("linux", parts[0]) : (parts[0], parts[1]);
        architecture = architecture switch
        {
            "x86_64" or "x86-64" => "amd64",
            "aarch64" => "arm64",
            "i386" or "i686" => "386",
            _ => architecture,
        };
        var variant = parts.Length == 3 ? parts[2] : null;
        variant = (architecture, variant) switch
        {
            ("arm", null) => "v7",
            ("arm64", "v8" or "8") => null,
            _ => variant,
        };
        platform = new Platform(architecture, os) { Variant = variant };
        return true;
    }

    /// <exception cref="FormatException">The text is not a platform; the message says what is expected.</exception>
    public static Platform Parse(string text) =>
        TryParse(text, out var platform)
            ? platform
            : throw new FormatException($"'{text}' is not a platform: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64");

    /// <summary>The platform this process runs on, in OCI names.</summary>
    public static Platform Host { get; } = DetectHost();

    /// <summary>The variant as build args show it (TARGETVARIANT): empty when there is none.</summary>
    [JsonIgnore]
    public string VariantText => Variant ?? string.Empty;

    private static Platform DetectHost()
    {
        var (architecture, variant) = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => ("amd64", (string?)null),
            System.Runtime.InteropServices.Architecture.Arm64 => ("arm64", null),
            System.Runtime.InteropServices.Architecture.Arm => ("arm", "v7"),
            System.Runtime.InteropServices.Architecture.Armv6 => ("arm", "v6"),
            System.Runtime.InteropServices.Architecture.X86 => ("386", null),
            System.Runtime.InteropServices.Architecture.S390x => ("s390x", null),
            System.Runtime.InteropServices.Architecture.Ppc64le => ("ppc64le", null),
            System.Runtime.InteropServices.Architecture.RiscV64 => ("riscv64", null),
            System.Runtime.InteropServices.Architecture.LoongArch64 => ("loong64", null),
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
