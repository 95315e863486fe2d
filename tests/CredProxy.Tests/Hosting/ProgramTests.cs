using System.Diagnostics;
using System.Net;
using Kaniko.CredProxy.Tests.Infrastructure;

namespace Kaniko.CredProxy.Tests.Hosting;

/// <summary>The real binary: listening line on stdout, config errors naming the setting.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    public void Dispose() => _cts.Dispose();

    private static ProcessStartInfo StartInfo(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "credproxy.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CI_", StringComparison.Ordinal) || k.StartsWith("CREDPROXY_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        return info;
    }

    [Fact]
    public async Task Prints_the_bound_address_and_serves_it()
    {
        var info = StartInfo("--listen", "127.0.0.1:0");
        info.Environment["CREDPROXY_REGISTRY_1_HOST"] = "127.0.0.1:1";
        info.Environment["CREDPROXY_REGISTRY_1_INSECURE"] = "true";
        using var process = Process.Start(info)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(_cts.Token);
            Assert.NotNull(line);
            Assert.Matches(@"^credproxy listening on http://127\.0\.0\.1:\d+$", line);
            var url = line["credproxy listening on ".Length..];
            Assert.DoesNotMatch(":0$", url);
            using var http = new HttpClient();
            using var response = await http.GetAsync(url + "/v2/", _cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var health = await http.GetAsync(url + "/healthz", _cts.Token);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(_cts.Token);
        }
    }

    [Fact]
    public async Task Bad_settings_exit_2_naming_each_setting()
    {
        var info = StartInfo("--listen", "0.0.0.0:5000");
        info.Environment["CREDPROXY_REGISTRY_1_HOST"] = "reg.example";
        info.Environment["CREDPROXY_REGISTRY_1_USERNAME"] = "u";
        info.Environment["CREDPROXY_REGISTRY_1_PASSWORD"] = "hunter2-secret";
        info.Environment["CREDPROXY_REGISTRY_1_INSECURE"] = "maybe";
        info.Environment["CREDPROXY_REGISTRY_2_PASWORD"] = "typo";
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync(_cts.Token);
        await process.WaitForExitAsync(_cts.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--listen: '0.0.0.0:5000' is not a loopback address", stderr, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_1_INSECURE: 'maybe'", stderr, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_2_PASWORD: unknown setting", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("typo", stderr.Replace("PASWORD", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_exits_2_naming_the_address_without_a_stack_trace()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var info = StartInfo("--listen", $"127.0.0.1:{port}");
        info.Environment["CREDPROXY_REGISTRY_1_HOST"] = "127.0.0.1:1";
        info.Environment["CREDPROXY_REGISTRY_1_INSECURE"] = "true";
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync(_cts.Token);
        await process.WaitForExitAsync(_cts.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains($"credproxy: Failed to bind to address http://127.0.0.1:{port}: address already in use.", stderr, StringComparison.Ordinal);
        Assert.Contains("--listen", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_config_file_names_the_file_and_the_position()
    {
        var file = Path.Combine(Path.GetTempPath(), $"credproxy-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{\"CredProxy\": {\"Listen\": ", _cts.Token);
        try
        {
            using var process = Process.Start(StartInfo("--config", file))!;
            var stderr = await process.StandardError.ReadToEndAsync(_cts.Token);
            await process.WaitForExitAsync(_cts.Token);

            Assert.Equal(2, process.ExitCode);
            Assert.Contains(file, stderr, StringComparison.Ordinal);
            Assert.Contains("LineNumber", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_on_stderr()
    {
        var info = StartInfo("--listen", "127.0.0.1:0", "--log-format", "json");
        info.Environment["CREDPROXY_REGISTRY_1_HOST"] = "127.0.0.1:1";
        info.Environment["CREDPROXY_REGISTRY_1_INSECURE"] = "true";
        info.Environment["CREDPROXY_REGISTRY_1_USERNAME"] = "u";
        info.Environment["CREDPROXY_REGISTRY_1_PASSWORD"] = "json-secret-123";
        using var process = Process.Start(info)!;
        try
        {
            Assert.StartsWith("credproxy listening on", await process.StandardOutput.ReadLineAsync(_cts.Token), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
        }

        var stderr = await process.StandardError.ReadToEndAsync(_cts.Token);
        await process.WaitForExitAsync(_cts.Token);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("EventId", out _));
        }

        Assert.Contains(lines, l => l.Contains("\"EventId\":500", StringComparison.Ordinal));
        Assert.DoesNotContain("json-secret-123", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_file_with_a_bound_listener()
    {
        var file = Path.Combine(Path.GetTempPath(), $"credproxy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"CredProxy": {"RequirePushToken": false, "Upstreams": [
              {"Host": "127.0.0.1:1", "Insecure": true, "Listen": "127.0.0.1:0", "Push": "team/app, team/app/*"}]}}
            """, _cts.Token);
        try
        {
            using var process = Process.Start(StartInfo("--config", file, "--listen", "127.0.0.1:0"))!;
            try
            {
                var main = await process.StandardOutput.ReadLineAsync(_cts.Token);
                var bound = await process.StandardOutput.ReadLineAsync(_cts.Token);
                Assert.Matches(@"^credproxy listening on http://127\.0\.0\.1:\d+$", main);
                Assert.Matches(@"^credproxy listening on http://127\.0\.0\.1:\d+ for registry 127\.0\.0\.1:1$", bound);
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync(_cts.Token);
            }

            var stderr = await process.StandardError.ReadToEndAsync(_cts.Token);
            Assert.Contains("push: team/app,team/app/*", stderr, StringComparison.Ordinal);
            Assert.Contains("Push token requirement is disabled", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Free_port_helper_gives_a_port() => Assert.InRange(RegistryProcess.FreePort(), 1, 65535);
}
