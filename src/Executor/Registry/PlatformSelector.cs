using Kaniko.Executor.Image;

namespace Kaniko.Executor.Registry;

/// <summary>
/// Picks the manifest for a platform from an index, with containerd's normalisation: architecture aliases
/// (x86_64, aarch64), arm64's default variant v8, arm's default v7 (which also runs v6 and v5 images), amd64's v1.
/// </summary>
public static class PlatformSelector
{
    public static Descriptor? Select(IEnumerable<Descriptor> manifests, Platform wanted)
    {
        var (os, architecture, variant) = Normalize(wanted);
        Descriptor? best = null;
        var bestRank = int.MaxValue;
        foreach (var candidate in manifests)
        {
            if (candidate.Platform is not { } platform)
            {
                continue;
            }

            var (cOs, cArchitecture, cVariant) = Normalize(platform);
            if (cOs != os || cArchitecture != architecture)
            {
                continue;
            }

            var rank = Rank(architecture, variant, cVariant);
            if (rank < bestRank)
            {
                best = candidate;
                bestRank = rank;
            }
        }

        return best;
    }

    /// <summary>The platforms an index offers, for error messages.</summary>
    public static string Describe(IEnumerable<Descriptor> manifests)
    {
        var platforms = manifests.Where(m => m.Platform is not null).Select(m => m.Platform!.ToString()).Distinct().ToList();
        return platforms.Count == 0 ? "none" : string.Join(", ", platforms);
    }

    internal static (string Os, string Architecture, string Variant) Normalize(Platform platform)
    {
        var os = platform.Os.ToLowerInvariant();
        var architecture = platform.Architecture.ToLowerInvariant();
        var variant = platform.Variant?.ToLowerInvariant() ?? "";
        switch (architecture)
        {
            case "x86_64" or "x86-64" or "amd64":
                architecture = "amd64";
                variant = variant is "" ? "v1" : variant;
                break;
            case "i386" or "386":
                architecture = "386";
                break;
            case "aarch64" or "arm64":
                architecture = "arm64";
                variant = variant is "" or "8" ? "v8" : variant;
                break;
            case "armhf":
                architecture = "arm";
                variant = "v7";
                break;
            case "armel":
                architecture = "arm";
                variant = "v6";
                break;
            case "arm":
                variant = variant switch
                {
                    "" or "7" => "v7",
                    "6" => "v6",
                    "5" => "v5",
                    "8" => "v8",
                    _ => variant,
                };
                break;
        }

        return (os, architecture, variant);
    }

    /// <summary>0 for the exact variant; for arm and amd64 a lower (compatible) level ranks after it; int.MaxValue when unusable.</summary>
    private static int Rank(string architecture, string wanted, string candidate)
    {
        if (wanted == candidate)
        {
            return 0;
        }

        if (architecture is "arm" or "amd64" && Level(wanted) is > 0 and var w && Level(candidate) is > 0 and var c && c < w)
        {
            return w - c;
        }

        return int.MaxValue;
    }

    private static int Level(string variant) =>
        variant.Length > 1 && variant[0] == 'v' && int.TryParse(variant.AsSpan(1), out var level) ? level : 0;
}
