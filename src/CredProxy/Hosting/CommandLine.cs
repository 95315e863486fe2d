namespace Kaniko.CredProxy.Hosting;

/// <summary>Parsed command line: a config file and overrides of single settings.</summary>
public sealed record CommandLine(string? ConfigFile, IReadOnlyDictionary<string, string> Overrides, bool Help)
{
    public const string Usage = """
        usage: credproxy [--listen IP:PORT] [--config FILE] [--default-registry HOST]
                         [--docker-config FILE] [--no-push-token] [--log-format text|json]
                         [--allow-non-loopback] [--metrics-listen IP:PORT]
        Registries come from CI_REGISTRY* and CREDPROXY_REGISTRY_<N>_* variables or the config file
        (section CredProxy); see README.md. Prints "credproxy listening on http://IP:PORT" once ready.
        """;

    public static CommandLine Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string? config = null;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq > 0 && arg.StartsWith("--", StringComparison.Ordinal) ? arg[..eq] : arg;
            string? inline = eq > 0 && name != arg ? arg[(eq + 1)..] : null;
            string? Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                return i + 1 < args.Count ? args[++i] : null;
            }

            switch (name)
            {
                case "-h" or "--help":
                    return new CommandLine(null, overrides, true);
                case "--no-push-token":
                    overrides["RequirePushToken"] = "false";
                    break;
                case "--allow-non-loopback":
                    overrides["AllowNonLoopback"] = "true";
                    break;
                case "--listen" or "--config" or "--default-registry" or "--log-format" or "--docker-config" or "--metrics-listen":
                    var value = Value();
                    if (value is null)
                    {
                        error = $"{name}: a value is required";
                        return new CommandLine(null, overrides, false);
                    }

                    if (name == "--config")
                    {
                        config = value;
                    }
                    else
                    {
                        overrides[name switch { "--listen" => "Listen", "--default-registry" => "DefaultUpstream", "--docker-config" => "DockerConfig", "--metrics-listen" => "MetricsListen", _ => "LogFormat" }] = value;
                    }

                    break;
                default:
                    error = $"{arg}: unknown option";
                    return new CommandLine(null, overrides, false);
            }
        }

        return new CommandLine(config, overrides, false);
    }
}
