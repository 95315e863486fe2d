using System.Diagnostics;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>Runs <c>skopeo copy</c>, without credentials and TLS checks on registry sides.</summary>
public static class Skopeo
{
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var args = new List<string> { "--insecure-policy", "copy", "--quiet" };
        if (source.StartsWith("docker://", StringComparison.Ordinal))
        {
            args.AddRange(["--src-tls-verify=false", "--src-no-creds"]);
        }

        if (destination.StartsWith("docker://", StringComparison.Ordinal))
        {
            args.AddRange(["--dest-tls-verify=false", "--dest-no-creds"]);
        }

        args.AddRange([source, destination]);
        var info = new ProcessStartInfo("skopeo", args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo copy {source} {destination} failed: {await stderr}");
        }
    }
}
