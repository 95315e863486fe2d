using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Runs a docker credential helper (<c>docker-credential-NAME get</c>, server URL on stdin) and keeps its
/// answer for a few minutes. Its output is never logged: it holds the secret.
/// </summary>
public sealed class CredentialHelperSource(string helperPath, string serverUrl, TimeProvider time, ILogger logger) : ICredentialSource
{
    private static readonly TimeSpan _cacheFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private RegistryCredential? _cached;
    private DateTimeOffset _validUntil = DateTimeOffset.MinValue;

    public async ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (time.GetUtcNow() < _validUntil)
            {
                return _cached;
            }

            _cached = await RunAsync(cancellationToken).ConfigureAwait(false);
            _validUntil = time.GetUtcNow() + _cacheFor;
            return _cached;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<RegistryCredential?> RunAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(helperPath, ["get"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("no process");
            try
            {
                await process.StandardInput.WriteAsync(serverUrl).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The helper exited without reading stdin; its exit code tells.
            }

            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            _ = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                Log.HelperFailed(logger, Path.GetFileName(helperPath), serverUrl, $"exit code {process.ExitCode}");
                return null;
            }

            var answer = JsonSerializer.Deserialize(output, ProxyJsonContext.Default.HelperCredential);
            if (string.IsNullOrEmpty(answer?.Username) || string.IsNullOrEmpty(answer.Secret))
            {
                Log.HelperFailed(logger, Path.GetFileName(helperPath), serverUrl, "no username or secret in its answer");
                return null;
            }

            return new RegistryCredential(answer.Username, answer.Secret);
        }
        catch (Exception ex) when (ex is Win32Exception or JsonException or InvalidOperationException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.HelperFailed(logger, Path.GetFileName(helperPath), serverUrl, ex is JsonException ? "answer is not JSON" : ex.GetType().Name);
            return null;
        }
    }
}
