using System.CommandLine;

namespace Kaniko.Executor.Cli;

/// <summary>What <c>executor push</c> was asked to do: push an image built earlier with --no-push.</summary>
public sealed record PushOptions(
    string Source,
    IReadOnlyList<string> Destinations,
    Uri? RegistryProxy,
    bool Insecure,
    IReadOnlySet<string> InsecureRegistries,
    bool SkipTlsVerify,
    string? DigestFile,
    string Verbosity);

/// <summary>
/// <c>executor push SOURCE --destination ...</c>: pushes an OCI layout (--oci-layout-path) or a docker-save
/// tarball (--tar-path), so build and push can run in separate steps or containers (SECURITY.md).
/// </summary>
public sealed class PushCommand
{
    private readonly Argument<string> _source = new("source") { Description = "An OCI image layout directory or a docker-save tarball written by an earlier build." };
    private readonly Option<string[]> _destination = new("--destination", "-d") { Description = "Image reference to push to (repeatable).", Required = true };
    private readonly Option<string?> _registryProxy = new("--registry-proxy") { Description = $"Send all registry traffic through this credential proxy URL (also ${ExecutorCommand.RegistryProxyVariable})." };
    private readonly Option<bool> _insecure = new("--insecure") { Description = "Push to registries over plain HTTP." };
    private readonly Option<string[]> _insecureRegistry = new("--insecure-registry") { Description = "A registry (host[:port]) to use over plain HTTP (repeatable)." };
    private readonly Option<bool> _skipTlsVerify = new("--skip-tls-verify") { Description = "Do not verify registry certificates." };
    private readonly Option<string?> _digestFile = new("--digest-file") { Description = "Write the pushed image's digest to this file." };
    private readonly Option<string> _verbosity = new("--verbosity", "-v") { Description = "Log level.", DefaultValueFactory = _ => "info" };

    public Command Build(Func<Func<PushOptions>, CancellationToken, Task<int>> run)
    {
        var command = new Command("push", "Push an image built earlier with --no-push and --oci-layout-path or --tar-path.");
        command.Arguments.Add(_source);
        foreach (Option option in new Option[] { _destination, _registryProxy, _insecure, _insecureRegistry, _skipTlsVerify, _digestFile, _verbosity })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => run(
            () =>
            {
                var proxy = result.GetValue(_registryProxy) ?? Environment.GetEnvironmentVariable(ExecutorCommand.RegistryProxyVariable);
                return new PushOptions(
                    Path.GetFullPath(result.GetValue(_source)!),
                    result.GetValue(_destination) ?? [],
                    string.IsNullOrEmpty(proxy) ? null : ExecutorCommand.ParseProxyUrl(proxy),
                    result.GetValue(_insecure),
                    (result.GetValue(_insecureRegistry) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase),
                    result.GetValue(_skipTlsVerify),
                    result.GetValue(_digestFile),
                    result.GetValue(_verbosity)!);
            },
            cancellationToken));
        return command;
    }
}
