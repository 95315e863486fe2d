namespace Kaniko.Executor.Context;

/// <summary>Slash-path helpers with Go's path semantics, which .dockerignore follows.</summary>
internal static class DockerIgnorePaths
{
    /// <summary>Go's path.Clean: drops "." and empty parts, resolves "..", keeps a leading "/".</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>A context-relative path in the form patterns are matched against.</summary>
    public static string Normalize(string relativePath)
    {
        var cleaned = Clean(relativePath.Replace('\\', '/'));
        return cleaned.StartsWith('/') && cleaned.Length > 1 ? cleaned[1..] : cleaned;
    }
}
