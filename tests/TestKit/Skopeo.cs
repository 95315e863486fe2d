using System.Text.Json;

namespace Kaniko.TestKit;

/// <summary>Thin wrapper over the skopeo CLI for plain-HTTP test registries.</summary>
public static class Skopeo
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(120);

    /// <summary><c>skopeo inspect docker://REFERENCE</c>: the summary (Name, Digest, Architecture, Layers...).</summary>
    public static Task<JsonDocument> InspectAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        InspectCoreAsync(reference, credentials, [], cancellationToken);

    /// <summary><c>skopeo inspect --config</c>: the image config (OCI form).</summary>
    public static Task<JsonDocument> InspectConfigAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        InspectCoreAsync(reference, credentials, ["--config"], cancellationToken);

    /// <summary><c>skopeo inspect --raw</c>: the manifest (or index) exactly as the registry serves it.</summary>
    public static Task<JsonDocument> InspectRawAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        InspectCoreAsync(reference, credentials, ["--raw"], cancellationToken);

    /// <summary><c>skopeo inspect --config --raw</c>: the config blob exactly as stored.</summary>
    public static Task<JsonDocument> InspectRawConfigAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        InspectCoreAsync(reference, credentials, ["--config", "--raw"], cancellationToken);

    /// <summary><c>skopeo list-tags docker://HOST/REPOSITORY</c>: the repository's tags.</summary>
    public static async Task<IReadOnlyList<string>> ListTagsAsync(
        string repository, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        List<string> args = ["list-tags", "--tls-verify=false", "--retry-times=0"];
        AddCredentials(args, "--creds", credentials);
        args.Add(DockerTransport(repository));
        var result = await RunAsync(args, checkExitCode: true, cancellationToken);
        using var document = JsonDocument.Parse(result.StandardOutput);
        return [.. document.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString() ?? "")];
    }

    /// <summary><c>skopeo inspect</c> that returns the result instead of throwing (for refusal tests).</summary>
    public static Task<ProcessResult> TryInspectAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        RunAsync(InspectArguments(reference, credentials, []), checkExitCode: false, cancellationToken);

    /// <summary>
    /// <c>skopeo copy SOURCE DESTINATION</c> over plain HTTP. Bare references (<c>host/repo:tag</c>) get the
    /// <c>docker://</c> transport; <c>oci:DIR:TAG</c> and other transports pass as they are.
    /// </summary>
    public static Task<ProcessResult> CopyAsync(string source, string destination, CancellationToken cancellationToken) =>
        CopyAsync(source, destination, SkopeoCopyOptions.Default, cancellationToken);

    public static Task<ProcessResult> CopyAsync(
        string source, string destination, SkopeoCopyOptions options, CancellationToken cancellationToken)
    {
        List<string> args = options.OverrideArch is { } arch ? ["--override-arch", arch] : [];
        args.AddRange(["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", "--retry-times=0"]);
        AddCredentials(args, "--src-creds", options.SourceCredentials);
        AddCredentials(args, "--dest-creds", options.DestinationCredentials);
        if (options.Format is { } format)
        {
            args.AddRange(["--format", BaseImages.FormatArgument(format)]);
        }

        if (options.All)
        {
            args.Add("--all");
        }

        args.Add(WithTransport(source));
        args.Add(WithTransport(destination));
        return RunAsync(args, options.CheckExitCode, cancellationToken);
    }

    /// <summary><c>docker://</c> + reference, unless it already names a transport.</summary>
    public static string DockerTransport(string reference) =>
        reference.StartsWith("docker://", StringComparison.Ordinal) ? reference : "docker://" + reference;

    private static string WithTransport(string reference) =>
        reference.StartsWith("oci:", StringComparison.Ordinal)
        || reference.StartsWith("oci-archive:", StringComparison.Ordinal)
        || reference.StartsWith("docker-archive:", StringComparison.Ordinal)
        || reference.StartsWith("dir:", StringComparison.Ordinal)
        || reference.StartsWith("containers-storage:", StringComparison.Ordinal)
            ? reference
            : DockerTransport(reference);

    private static void AddCredentials(List<string> args, string option, RegistryCredentials? credentials)
    {
        if (credentials is not null)
        {
            args.AddRange([option, credentials.ToColonForm()]);
        }
    }

    private static async Task<JsonDocument> InspectCoreAsync(
        string reference, RegistryCredentials? credentials, string[] flags, CancellationToken cancellationToken)
    {
        var result = await RunAsync(InspectArguments(reference, credentials, flags), checkExitCode: true, cancellationToken);
        return JsonDocument.Parse(result.StandardOutput);
    }

    private static List<string> InspectArguments(string reference, RegistryCredentials? credentials, string[] flags)
    {
        List<string> args = ["inspect", "--tls-verify=false", "--retry-times=0", .. flags];
        AddCredentials(args, "--creds", credentials);
        args.Add(DockerTransport(reference));
        return args;
    }

    private static async Task<ProcessResult> RunAsync(
        List<string> args, bool checkExitCode, CancellationToken cancellationToken)
    {
        await TestBed.EnsureInstalledAsync(cancellationToken);
        return await ProcessRunner.RunAsync(
            "skopeo", args, new ProcessOptions { Timeout = _timeout, CheckExitCode = checkExitCode }, cancellationToken);
    }
}
