using System.Text.RegularExpressions;
using Kaniko.TestKit;
using YamlDotNet.RepresentationModel;

namespace Kaniko.EndToEnd.Tests.Images;

/// <summary>Reading the files under deploy/ as their CI systems would, and the build context they build.</summary>
internal static partial class DeployFiles
{
    /// <summary>The placeholder registry of the deploy files; the tests put their local registry there.</summary>
    public const string PlaceholderRegistry = "registry.example.com";

    public static string PathOf(string relative) => Path.Combine(TestBed.RepoRoot, "deploy", relative);

    /// <summary>
    /// Parses the file (YamlDotNet, as strict as the CI systems' parsers about syntax) after replacing
    /// whole words of the text: the tests' only edits are addresses (registry, port, listen address).
    /// </summary>
    public static YamlMappingNode Load(string relative, IReadOnlyDictionary<string, string> replacements)
    {
        var text = File.ReadAllText(PathOf(relative));
        foreach (var (from, to) in replacements)
        {
            Assert.Contains(from, text, StringComparison.Ordinal);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var document = Assert.Single(stream.Documents);
        return Assert.IsType<YamlMappingNode>(document.RootNode);
    }

    public static YamlNode Get(this YamlNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node).Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? value
            : throw new Xunit.Sdk.XunitException($"no '{key}' in {node.Start}");

    public static YamlNode? Find(this YamlNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string Text(this YamlNode node) => Assert.IsType<YamlScalarNode>(node).Value ?? "";

    public static string Text(this YamlNode node, string key) => node.Get(key).Text();

    public static IReadOnlyList<YamlNode> Items(this YamlNode node) => Assert.IsType<YamlSequenceNode>(node).Children.ToList();

    public static IReadOnlyList<string> Strings(this YamlNode node) => node.Items().Select(i => i.Text()).ToList();

    public static IReadOnlyDictionary<string, string> Pairs(this YamlNode node) =>
        Assert.IsType<YamlMappingNode>(node).Children.ToDictionary(p => p.Key.Text(), p => p.Value.Text());

    /// <summary>
    /// examples/hello copied to a fresh folder, its base image default pointing at <paramref name="baseImage"/>
    /// when given (for deploy files that have no place for --build-arg: the project's Dockerfile names its base).
    /// </summary>
    public static string HelloContext(TempDirectory work, string? baseImage)
    {
        var target = work.CreateSubdirectory("context");
        var source = Path.Combine(TestBed.RepoRoot, "examples", "hello");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
            File.SetUnixFileMode(destination, File.GetUnixFileMode(file));
        }

        if (baseImage is not null)
        {
            var dockerfile = Path.Combine(target, "Dockerfile");
            var text = File.ReadAllText(dockerfile);
            Assert.Contains("ARG BASE=busybox:latest", text, StringComparison.Ordinal);
            File.WriteAllText(dockerfile, text.Replace("ARG BASE=busybox:latest", $"ARG BASE={baseImage}", StringComparison.Ordinal));
        }

        return target;
    }

    /// <summary>GitLab's expansion of $NAME and ${NAME} in variable values and image names (unknown names become empty).</summary>
    public static string ExpandGitLab(string value, IReadOnlyDictionary<string, string> variables) =>
        GitLabVariable().Replace(value, m => variables.GetValueOrDefault(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, ""));

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex GitLabVariable();

    /// <summary>The lines the example prints when its image runs.</summary>
    public static readonly string[] HelloOutput = ["Hello from the executor", "config: colour=blue", "built on x86_64"];
}
