namespace Kaniko.Executor.Registry;

/// <summary>
/// kaniko's <c>--registry-mirror</c> (mirrors of Docker Hub) and <c>--registry-map</c>
/// (<c>original=mirror;original=other-mirror</c> for any registry): where to try pulling an image before its own
/// registry. A mirror is <c>host[:port][/path prefix]</c>; <c>docker.io/library/busybox</c> through
/// <c>mirror.example.com/hub</c> is <c>mirror.example.com/hub/library/busybox</c>. Mirrors serve pulls only.
/// </summary>
public sealed class RegistryMirrors
{
    private readonly Dictionary<string, List<Mirror>> _mirrors;

    private RegistryMirrors(Dictionary<string, List<Mirror>> mirrors, bool skipDefaultFallback)
    {
        _mirrors = mirrors;
        SkipDefaultFallback = skipDefaultFallback;
    }

    public static RegistryMirrors None { get; } = new([], skipDefaultFallback: false);

    /// <summary>With mirrors for the image's registry: fail when none of them has it, instead of pulling from the registry itself.</summary>
    public bool SkipDefaultFallback { get; }

    public bool IsEmpty => _mirrors.Count == 0;

    /// <summary>
    /// Parses the flags: <paramref name="maps"/> entries first (each <c>original=mirror</c>, several separated by
    /// <c>;</c>, empty values ignored as kaniko does), then <paramref name="dockerHubMirrors"/> for docker.io.
    /// </summary>
    public static RegistryMirrors Parse(IEnumerable<string> dockerHubMirrors, IEnumerable<string> maps, bool skipDefaultFallback)
    {
        ArgumentNullException.ThrowIfNull(dockerHubMirrors);
        ArgumentNullException.ThrowIfNull(maps);
        var mirrors = new Dictionary<string, List<Mirror>>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in maps)
        {
            foreach (var pair in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || equals == pair.Length - 1)
                {
                    throw new Cli.UsageException($"--registry-map '{pair}': expected ORIGINAL=MIRROR, e.g. index.docker.io=mirror.gcr.io;ghcr.io=mirror.example.com/ghcr");
                }

                var original = NormalizeRegistry(pair[..equals].Trim(), "--registry-map");
                Add(mirrors, original, ParseMirror(pair[(equals + 1)..].Trim(), "--registry-map"));
            }
        }

        foreach (var value in dockerHubMirrors.Where(v => !string.IsNullOrWhiteSpace(v)))
        {
            Add(mirrors, ImageReference.DockerHub, ParseMirror(value.Trim(), "--registry-mirror"));
        }

        return new RegistryMirrors(mirrors, skipDefaultFallback);
    }

    /// <summary>
    /// Where to try <paramref name="reference"/>, in order: its mirrors, then (unless <see cref="SkipDefaultFallback"/>
    /// and there are mirrors) the reference itself.
    /// </summary>
    public IReadOnlyList<ImageReference> Candidates(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!_mirrors.TryGetValue(reference.Registry, out var mirrors))
        {
            return [reference];
        }

        var candidates = mirrors
            .Select(m => reference with { Registry = m.Host, Repository = m.Prefix.Length == 0 ? reference.Repository : $"{m.Prefix}/{reference.Repository}" })
            .ToList();
        if (!SkipDefaultFallback)
        {
            candidates.Add(reference);
        }

        return candidates;
    }

    private static void Add(Dictionary<string, List<Mirror>> mirrors, string original, Mirror mirror)
    {
        if (!mirrors.TryGetValue(original, out var list))
        {
            mirrors[original] = list = [];
        }

        list.Add(mirror);
    }

    private static string NormalizeRegistry(string registry, string flag)
    {
        var host = StripScheme(registry).TrimEnd('/');
        if (host is "index.docker.io" or "registry-1.docker.io")
        {
            host = ImageReference.DockerHub;
        }

        return ImageReference.TryParse($"{host}/x", out var probe) && probe.Registry.Equals(host, StringComparison.OrdinalIgnoreCase)
            ? probe.Registry
            : throw new Cli.UsageException($"{flag}: '{registry}' is not a registry host[:port]");
    }

    private static Mirror ParseMirror(string text, string flag)
    {
        var value = StripScheme(text).TrimEnd('/');
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? value : value[..slash];
        var prefix = slash < 0 ? string.Empty : value[(slash + 1)..];
        if (host.Length == 0
            || !ImageReference.TryParse($"{host}/{(prefix.Length == 0 ? "x" : prefix + "/x")}", out var probe)
            || !probe.Registry.Equals(host, StringComparison.OrdinalIgnoreCase))
        {
            throw new Cli.UsageException($"{flag}: '{text}' is not a mirror: expected host[:port][/path], e.g. mirror.gcr.io or registry.example.com:5000/dockerhub");
        }

        return new Mirror(probe.Registry, prefix);
    }

    private static string StripScheme(string text) =>
        text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? text["https://".Length..]
        : text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? text["http://".Length..]
        : text;

    private sealed record Mirror(string Host, string Prefix);
}
