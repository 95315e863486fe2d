using System.Collections;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Hosting;

namespace Kaniko.CredProxy;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var commandLine = CommandLine.Parse(args, out var error);
        if (error is not null || commandLine.Help)
        {
            await Console.Error.WriteLineAsync((error is null ? string.Empty : "credproxy: " + error + Environment.NewLine) + CommandLine.Usage).ConfigureAwait(false);
            return error is null ? 0 : 2;
        }

        ProxyOptions options;
        try
        {
            var configuration = new ConfigurationBuilder();
            if (commandLine.ConfigFile is not null)
            {
                configuration.AddJsonFile(Path.GetFullPath(commandLine.ConfigFile), optional: false, reloadOnChange: false);
            }

            var environment = Environment.GetEnvironmentVariables()
                .Cast<DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
            options = ProxyOptionsLoader.Load(configuration.Build(), environment, commandLine.Overrides, ReadFile);
        }
        catch (Exception ex) when (ex is ConfigurationException or InvalidDataException or FileNotFoundException)
        {
            // A malformed config file says where only in the inner JSON error (line and byte, no content).
            var detail = string.Empty;
            for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            {
                detail = " " + inner.Message;
            }

            await Console.Error.WriteLineAsync("credproxy: " + ex.Message + detail).ConfigureAwait(false);
            return 2;
        }

        await using var app = ProxyHost.Build(options);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Kestrel's bind errors name the address; say which settings choose it.
            var why = ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                ? "Another process holds that port: pick another"
                : "Check the listen address";
            await Console.Error.WriteLineAsync(
                $"credproxy: {ex.Message} {why} (--listen, --metrics-listen or CREDPROXY_REGISTRY_<N>_LISTEN), or port 0 for a free one.").ConfigureAwait(false);
            return 2;
        }

        foreach (var (url, upstream) in app.Services.GetRequiredService<ListenerBindings>().BoundAddresses())
        {
            await Console.Out.WriteLineAsync(upstream is null ? $"credproxy listening on {url}" : $"credproxy listening on {url} for registry {upstream.Host}").ConfigureAwait(false);
        }

        if (app.Services.GetRequiredService<ListenerBindings>().MetricsUrl is { } metricsUrl)
        {
            await Console.Out.WriteLineAsync($"credproxy metrics on {metricsUrl}/metrics").ConfigureAwait(false);
        }

        await Console.Out.FlushAsync().ConfigureAwait(false);
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
