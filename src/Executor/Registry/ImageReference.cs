using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Registry;

/// <summary>
/// A parsed image reference, normalised as Docker does: <c>busybox</c> is
/// <c>docker.io/library/busybox:latest</c>. A reference carries a tag, a digest, or both.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    public const string DockerHub = "docker.io";
    public const string DefaultTag = "latest";
    private const int MaxNameLength = 255;

    /// <summary>The registry host (with port), e.g. <c>docker.io</c> or <c>127.0.0.1:5000</c>.</summary>
    public string Registry { get; init; } = ValidateRegistry(Registry);

    /// <summary>The repository path inside the registry, e.g. <c>library/busybox</c>.</summary>
    public string Repository { get; init; } = ValidateRepository(Repository, Registry);

    public string? Tag { get; init; } = Tag is null ? null : ValidateTag(Tag, Registry, Repository);

    /// <summary>The full repository name without tag or digest.</summary>
    public string RepositoryName => $"{Registry}/{Repository}";

    /// <summary>What a manifest request names: the digest when known, else the tag, else <c>latest</c>.</summary>
    public string Identifier => Digest?.ToString() ?? Tag ?? DefaultTag;

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new FormatException(error);

    public static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference) =>
        TryParse(text, out reference, out _);

    public ImageReference WithDigest(Digest digest) => this with { Digest = digest };

    public ImageReference WithTag(string tag) => this with { Tag = ValidateTag(tag, Registry, Repository) };

    /// <summary>The same repository with neither tag nor digest, e.g. as the target of a blob operation.</summary>
    public ImageReference WithoutVersion() => this with { Tag = null, Digest = null };

    public override string ToString()
    {
        var text = RepositoryName;
        if (Tag is not null)
        {
            text += ":" + Tag;
        }

        if (Digest is { } digest)
        {
            text += "@" + digest;
        }

        return text;
    }

    private static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an image reference must not be empty";
            return false;
        }

        if (text.Any(char.IsWhiteSpace))
        {
            error = $"invalid image reference '{text}': it contains white space";
            return false;
        }

        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var digestText = rest[(at + 1)..];
            if (!Image.Digest.TryParse(digestText, out var parsed))
            {
                error = $"invalid image reference '{text}': '{digestText}' is not a valid digest (expected sha256:<64 lowercase hex digits>)";
                return false;
            }

            digest = parsed;
            rest = rest[..at];
        }

        string? tag = null;
        var lastColon = rest.LastIndexOf(':');
        if (lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"invalid image reference '{text}': tag '{tag}' must be 1 to 128 of [A-Za-z0-9_.-] and not start with '.' or '-'";
                return false;
            }
        }

        if (rest.Length == 0)
        {
            error = $"invalid image reference '{text}': the repository name is missing";
            return false;
        }

        string registry;
        string repository;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? null : rest[..slash];
        if (first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsUpper)))
        {
            registry = first;
            repository = rest[(slash + 1)..];
        }
        else
        {
            registry = DockerHub;
            repository = rest;
        }

        if (registry is "index.docker.io" or "registry-1.docker.io")
        {
            registry = DockerHub;
        }

        if (registry == DockerHub && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = "library/" + repository;
        }

        if (!RegistryPattern().IsMatch(registry))
        {
            error = $"invalid image reference '{text}': '{registry}' is not a valid registry host[:port]";
            return false;
        }

        if (!HasValidPort(registry))
        {
            error = $"invalid image reference '{text}': the port of '{registry}' must be 1 to 65535";
            return false;
        }

        if (repository.Any(char.IsUpper))
        {
            error = $"invalid image reference '{text}': repository name '{repository}' must be lowercase";
            return false;
        }

        if (!RepositoryPattern().IsMatch(repository))
        {
            error = $"invalid image reference '{text}': repository name '{repository}' must be path components of [a-z0-9] separated by '.', '_', '__' or '-', joined by '/'";
            return false;
        }

        if (registry.Length + 1 + repository.Length > MaxNameLength)
        {
            error = $"invalid image reference '{text}': the repository name is longer than {MaxNameLength} characters";
            return false;
        }

        if (tag is null && digest is null)
        {
            tag = DefaultTag;
        }

        reference = new ImageReference(registry, repository, tag, digest);
        error = null;
        return true;
    }

    private static string ValidateRegistry(string registry) =>
        RegistryPattern().IsMatch(registry) && HasValidPort(registry)
            ? registry
            : throw new FormatException($"'{registry}' is not a valid registry host[:port] (port 1 to 65535)");

    /// <summary>The pattern allows five digits; a port above 65535 would only fail later, as a bare URI error.</summary>
    private static bool HasValidPort(string registry)
    {
        var colon = registry.LastIndexOf(':');
        if (colon < 0 || registry.EndsWith(']'))
        {
            return true;
        }

        return int.TryParse(registry.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535;
    }

    private static string ValidateRepository(string repository, string registry) =>
        RepositoryPattern().IsMatch(repository)
            ? repository
            : throw new FormatException($"'{repository}' is not a valid repository name in {registry} (lowercase path components of [a-z0-9] separated by '.', '_', '__' or '-')");

    private static string ValidateTag(string tag, string registry, string repository) =>
        TagPattern().IsMatch(tag)
            ? tag
            : throw new FormatException($"'{tag}' is not a valid tag for {registry}/{repository} (1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-')");

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
