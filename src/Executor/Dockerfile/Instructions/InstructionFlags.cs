using Kaniko.Executor.Dockerfile.Parsing;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>
/// Declares the flags an instruction accepts and checks the ones given:
/// <c>--name=value</c> for strings, <c>--name</c> or <c>--name=true|false</c> for booleans,
/// repeatable string lists. Unknown, duplicate or malformed flags are errors.
/// </summary>
internal sealed class InstructionFlags
{
    private readonly string _instruction;
    // Instructions declare a handful of flags and most lines use none, so small lists beat dictionaries.
    private readonly List<(string Name, FlagKind Kind)> _declared = new(6);
    private List<(string Name, string Value)>? _values;

    public InstructionFlags(string instruction)
    {
        _instruction = instruction;
    }

    private enum FlagKind
    {
        String,
        Boolean,
        List,
    }

    public InstructionFlags String(string name) => Declare(name, FlagKind.String);

    public InstructionFlags Boolean(string name) => Declare(name, FlagKind.Boolean);

    public InstructionFlags List(string name) => Declare(name, FlagKind.List);

    public void Parse(IReadOnlyList<string> given, SyntaxNode node)
    {
        if (given.Count == 0)
        {
            return;
        }

        try
        {
            Parse(given);
        }
        catch (DockerfileException ex) when (ex.Column is null && ex.Location is null && ColumnOf(ex, node) is int column)
        {
            throw new DockerfileException(ex.Problem, null, null, ex.Hint, column);
        }
    }

    // Points at the offending flag when the instruction sits on one line (columns of joined lines would mislead).
    private static int? ColumnOf(DockerfileException error, SyntaxNode node)
    {
        if (node.StartLine != node.EndLine)
        {
            return null;
        }

        foreach (var flag in node.Flags)
        {
            var name = flag.Length > 2 ? flag[2..].Split('=')[0] : flag;
            if (error.Problem.EndsWith(": " + name, StringComparison.Ordinal) || error.Problem.Contains($" {name},", StringComparison.Ordinal))
            {
                var index = node.Original.IndexOf("--" + name, StringComparison.Ordinal);
                return index < 0 ? null : index + 1;
            }
        }

        return null;
    }

    private void Parse(IReadOnlyList<string> given)
    {
        // Few flags per line is the norm; a set only pays off for long flag lists.
        var used = given.Count > 8 ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var flag in given)
        {
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                throw new DockerfileException($"arg \"{flag}\" must start with '--'");
            }

            if (flag == "--")
            {
                return;
            }

            var body = flag[2..];
            var equals = body.IndexOf('=');
            var name = equals < 0 ? body : body[..equals];
            var value = equals < 0 ? null : body[(equals + 1)..];

            var kind = KindOf(name) ?? throw new DockerfileException($"unknown flag: {name}", hint: Suggest(name));
            var seen = used is null ? GetString(name) is not null : !used.Add(name);
            if (seen && kind != FlagKind.List)
            {
                throw new DockerfileException($"duplicate flag specified: {name}");
            }

            _values ??= [];

            switch (kind)
            {
                case FlagKind.Boolean:
                    switch (value?.ToLowerInvariant())
                    {
                        case null or "true":
                            _values.Add((name, "true"));
                            break;
                        case "false":
                            _values.Add((name, "false"));
                            break;
                        default:
                            throw new DockerfileException($"expecting boolean value for flag {name}, not: {value}");
                    }

                    break;
                default:
                    _values.Add((name, value ?? throw new DockerfileException($"missing a value on flag: {name}", hint: $"use --{name}=<value>")));
                    break;
            }
        }
    }

    public string? GetString(string name)
    {
        if (_values is null)
        {
            return null;
        }

        for (var i = _values.Count - 1; i >= 0; i--)
        {
            if (_values[i].Name == name)
            {
                return _values[i].Value;
            }
        }

        return null;
    }

    public bool GetBoolean(string name) => GetString(name) == "true";

    public IReadOnlyList<string> GetList(string name)
    {
        if (_values is null)
        {
            return [];
        }

        List<string>? values = null;
        foreach (var (entryName, value) in _values)
        {
            if (entryName == name)
            {
                (values ??= []).Add(value);
            }
        }

        return values is null ? [] : values;
    }

    private FlagKind? KindOf(string name)
    {
        foreach (var (declaredName, kind) in _declared)
        {
            if (declaredName == name)
            {
                return kind;
            }
        }

        return null;
    }

    private InstructionFlags Declare(string name, FlagKind kind)
    {
        _declared.Add((name, kind));
        return this;
    }

    private string? Suggest(string name)
    {
        var best = KeywordSuggester.Closest(name, _declared.Select(entry => entry.Name));
        return best is null
            ? (_declared.Count == 0 ? $"{_instruction} takes no flags" : null)
            : $"did you mean --{best}?";
    }
}
