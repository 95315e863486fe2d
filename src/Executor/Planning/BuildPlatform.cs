using System.Runtime.InteropServices;
using HostArchitecture = System.Runtime.InteropServices.Architecture;

namespace Kaniko.Executor.Planning;

/// <summary>An OCI platform: os/architecture[/variant].</summary>
public sealed record BuildPlatform(string OperatingSystem, string Architecture, string Variant)
{
    public static BuildPlatform Host { get; } = DetectHost();

    /// <summary>Parses "linux/amd64", "linux/arm/v7" or just "arm64" (Linux assumed).</summary>
    public static bool TryParse(string text, out BuildPlatform platform)
    {
        platform = Host;
        var parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Any(part => part.Length == 0) || parts.Length > 3)
        {
            return false;
        }

        platform = parts.Length switch
        {
            1 => new BuildPlatform("linux", NormalizeArchitecture(parts[0]), ""),
            2 => new BuildPlatform(parts[0], NormalizeArchitecture(parts[1]), DefaultVariant(NormalizeArchitecture(parts[1]))),
            _ => new BuildPlatform(parts[0], NormalizeArchitecture(parts[1]), parts[2]),
        };
        return true;
    }

    public override string ToString() =>
        Variant.Length == 0 ? $"{OperatingSystem}/{Architecture}" : $"{OperatingSystem}/{Architecture}/{Variant}";

    private static string NormalizeArchitecture(string architecture) => architecture switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" or "i686" => "386",
        _ => architecture,
    };

    private static string DefaultVariant(string architecture) => architecture == "arm" ? "v7" : "";

    private static BuildPlatform DetectHost() => RuntimeInformation.OSArchitecture switch
    {
        HostArchitecture.Arm64 => new BuildPlatform("linux", "arm64", ""),
        HostArchitecture.Arm or HostArchitecture.Armv6 => new BuildPlatform("linux", "arm", RuntimeInformation.OSArchitecture == HostArchitecture.Armv6 ? "v6" : "v7"),
        HostArchitecture.X86 => new BuildPlatform("linux", "386", ""),
        HostArchitecture.S390x => new BuildPlatform("linux", "s390x", ""),
        HostArchitecture.Ppc64le => new BuildPlatform("linux", "ppc64le", ""),
        HostArchitecture.RiscV64 => new BuildPlatform("linux", "riscv64", ""),
        HostArchitecture.LoongArch64 => new BuildPlatform("linux", "loong64", ""),
        _ => new BuildPlatform("linux", "amd64", ""),
    };
}

/// <summary>The platform built for (TARGET*) and the one building (BUILD*).</summary>
public sealed record BuildPlatforms(BuildPlatform Target, BuildPlatform Build)
{
    public static BuildPlatforms Host { get; } = new(BuildPlatform.Host, BuildPlatform.Host);
}
