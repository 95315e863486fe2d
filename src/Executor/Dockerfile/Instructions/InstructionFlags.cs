namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>
/// Declares the flags an instruction accepts and checks the ones given:
/// <c>--name=value</c> for strings, <c>--name</c> or <c>--name=true|false</c> for booleans,
/// repeatable string lists. Unknown, duplicate or malformed flags are errors.
/// </summary>
internal sealed class InstructionFlags
{
    private readonly string _instruction;
    private readonly Dictionary<string, FlagKind> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);
    private readonly HashSet<string> _booleans = new(StringComparer.Ordinal);

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

    public void Parse(IReadOnlyList<string> given)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
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

            if (!_declared.TryGetValue(name, out var kind))
            {
                throw new DockerfileException($"unknown flag: {name}", hint: Suggest(name));
            }

            if (!used.Add(name) && kind != FlagKind.List)
            {
                throw new DockerfileException($"duplicate flag specified: {name}");
            }

            switch (kind)
            {
                case FlagKind.Boolean:
                    switch (value?.ToLowerInvariant())
                    {
                        case null or "true":
                            _booleans.Add(name);
                            break;
                        case "false":
                            _booleans.Remove(name);
                            break;
                        default:
                            throw new DockerfileException($"expecting boolean value for flag {name}, not: {value}");
                    }

                    break;
                case FlagKind.String:
                    _strings[name] = value ?? throw new DockerfileException($"missing a value on flag: {name}", hint: $"use --{name}=<value>");
                    break;
                case FlagKind.List:
                    if (value is null)
                    {
                        throw new DockerfileException($"missing a value on flag: {name}", hint: $"use --{name}=<value>");
                    }

                    if (!_lists.TryGetValue(name, out var values))
                    {
                        _lists[name] = values = [];
                    }

                    values.Add(value);
                    break;
            }
        }
    }

    public string? GetString(string name) => _strings.GetValueOrDefault(name);

    public bool GetBoolean(string name) => _booleans.Contains(name);

    public IReadOnlyList<string> GetList(string name) => _lists.TryGetValue(name, out var values) ? values : [];

    private InstructionFlags Declare(string name, FlagKind kind)
    {
        _declared[name] = kind;
        return this;
    }

    private string? Suggest(string name)
    {
        var best = KeywordSuggester.Closest(name, _declared.Keys);
        return best is null
            ? (_declared.Count == 0 ? $"{_instruction} takes no flags" : null)
            : $"did you mean --{best}?";
    }
}
