using System.Net;
using System.Net.Sockets;
using System.Text;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.FolderMode;

/// <summary>
/// --cache as kaniko users run it: a first build fills the cache repository, a second build takes the layers of
/// its RUN (and COPY) steps from there instead of running them. Builds are --reproducible, so an uncached and a
/// cached build of the same input must give the same image digest even where a step writes random bytes.
/// </summary>
public sealed class LayerCacheTests
{
    private static readonly CancellationToken _none = CancellationToken.None;

    [Fact]
    public async Task A_second_build_takes_run_layers_from_the_cache_without_running_them()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var server = new OneLineHttpServer();
        using var build = new CacheBuild(registry, "cache-hit");
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN head -c 64 /dev/urandom | od -x > /random
            RUN wget -q -O /fetched http://127.0.0.1:{server.Port}/
            RUN true
            RUN rm /bin/su
            """);

        var first = await build.RunAsync("first", "--cache");
        Assert.Equal(1, server.Requests);
        Assert.Equal(1, Count(first.Output, "No cached layer found for cmd "));
        Assert.Equal(4, Count(first.Output, "Pushing layer "));

        // The server is gone: the wget step would fail if it ran.
        server.Stop();
        var second = await build.RunAsync("second", "--cache");

        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(4, Count(second.Output, "Using caching version of cmd: RUN "));
        Assert.DoesNotContain("Running: ", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Pushing layer ", second.Output, StringComparison.Ordinal);

        // The cached layers were unpacked into the build root: files added, and the deleted one gone.
        Assert.Equal(File.ReadAllBytes(build.RootOf("first", "random")), File.ReadAllBytes(build.RootOf("second", "random")));
        Assert.Equal("ok\n", File.ReadAllText(build.RootOf("second", "fetched")));
        Assert.False(Path.Exists(build.RootOf("second", "bin/su")) || new FileInfo(build.RootOf("second", "bin/su")).LinkTarget is not null);

        var image = await ImageValidator.ValidateAsync(build.Destination("second"), null, _none);
        Assert.NotNull(image.FindLast("random"));
        Assert.Equal(4, (await Skopeo.ListTagsAsync($"{registry.Host}/cache-hit/app/cache", null, _none)).Count);
    }

    [Fact]
    public async Task A_changed_context_file_invalidates_its_copy_and_every_later_step()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var build = new CacheBuild(registry, "cache-copy");
        build.WriteContextFile("app.txt", "version 1\n");
        build.WriteDockerfile($"""
            FROM {baseImage}
            COPY app.txt /app.txt
            RUN head -c 64 /dev/urandom | od -x > /first
            RUN head -c 64 /dev/urandom | od -x > /second
            """);
        var first = await build.RunAsync("first", "--cache", "--cache-copy-layers");

        build.WriteContextFile("app.txt", "version 2\n");
        var changed = await build.RunAsync("changed", "--cache", "--cache-copy-layers");

        // The copy misses, and kaniko's rule holds: nothing after a miss is looked up.
        Assert.Equal(1, Count(changed.Output, "Checking for cached layer "));
        Assert.Contains("No cached layer found for cmd COPY app.txt /app.txt", changed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Using caching version", changed.Output, StringComparison.Ordinal);
        Assert.NotEqual(File.ReadAllBytes(build.RootOf("first", "first")), File.ReadAllBytes(build.RootOf("changed", "first")));
        Assert.Equal("version 2\n", File.ReadAllText(build.RootOf("changed", "app.txt")));
        Assert.NotEqual(first.Digest, changed.Digest);

        // COPY itself is not cached by default, but its content is in the key of the steps after it.
        var again = await build.RunAsync("again", "--cache");
        Assert.Equal(2, Count(again.Output, "Using caching version of cmd: RUN "));
        Assert.Equal(changed.Digest, again.Digest);
    }

    [Fact]
    public async Task A_changed_build_arg_invalidates_the_steps_that_see_it()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var build = new CacheBuild(registry, "cache-arg");
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN head -c 64 /dev/urandom | od -x > /before
            ARG FLAVOUR=plain
            RUN echo "$FLAVOUR $(head -c 16 /dev/urandom | od -x)" > /after
            """);

        var sweet = await build.RunAsync("sweet", "--cache", "--build-arg", "FLAVOUR=sweet");
        var sour = await build.RunAsync("sour", "--cache", "--build-arg", "FLAVOUR=sour");
        Assert.Contains("Using caching version of cmd: RUN head -c 64", sour.Output, StringComparison.Ordinal);
        Assert.Contains("No cached layer found for cmd RUN echo \"$FLAVOUR", sour.Output, StringComparison.Ordinal);
        Assert.StartsWith("sour ", File.ReadAllText(build.RootOf("sour", "after")), StringComparison.Ordinal);

        // The step that ran after a hit snapshots its own changes only, not the unpacked layer's.
        var sourImage = await ImageValidator.ValidateAsync(build.Destination("sour"), null, _none);
        Assert.NotNull(sourImage.Layers[^1].Find("after"));
        Assert.Null(sourImage.Layers[^1].Find("before"));
        Assert.NotNull(sourImage.Layers[^2].Find("before"));

        // Both values now have their entries.
        var sweetAgain = await build.RunAsync("sweet-again", "--cache", "--build-arg", "FLAVOUR=sweet");
        Assert.Equal(2, Count(sweetAgain.Output, "Using caching version of cmd: "));
        Assert.Equal(sweet.Digest, sweetAgain.Digest);
        Assert.NotEqual(sweet.Digest, sour.Digest);
    }

    [Fact]
    public async Task Entries_older_than_the_cache_ttl_are_built_again()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var build = new CacheBuild(registry, "cache-ttl");
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN head -c 64 /dev/urandom | od -x > /random
            """);
        var first = await build.RunAsync("first", "--cache");
        var fresh = await build.RunAsync("fresh", "--cache", "--cache-ttl", "1h");
        Assert.Equal(first.Digest, fresh.Digest);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var stale = await build.RunAsync("stale", "--cache", "--cache-ttl", "2s");

        Assert.Contains("Cache entry expired: ", stale.Output, StringComparison.Ordinal);
        Assert.Contains("No cached layer found for cmd RUN head", stale.Output, StringComparison.Ordinal);
        Assert.Contains("Pushing layer ", stale.Output, StringComparison.Ordinal);
        Assert.NotEqual(first.Digest, stale.Digest);
    }

    [Fact]
    public async Task An_unreachable_cache_repository_is_a_warning_and_the_build_runs_uncached()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var build = new CacheBuild(registry, "cache-down");
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN echo built > /built
            RUN echo again > /again
            """);
        var closed = $"127.0.0.1:{FreePort.Next()}";

        var result = await build.RunAsync("down", "--cache", "--cache-repo", $"{closed}/cache", "--insecure-registry", closed);

        Assert.Contains($"The layer cache {closed}/cache cannot be used", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, Count(result.Output, "Checking for cached layer "));
        Assert.Equal(2, Count(result.Output, "Running: "));
        Assert.DoesNotContain("Pushing layer ", result.Output, StringComparison.Ordinal);
        Assert.NotNull((await ImageValidator.ValidateAsync(build.Destination("down"), null, _none)).FindLast("again"));
    }

    [Fact]
    public async Task A_cache_repository_the_registry_refuses_is_a_warning_and_the_build_runs_uncached()
    {
        // The registry (token auth) gives the proxy's user everything but the cache repository.
        TokenPolicy noCache = (subject, requested) => subject is null || requested.Name.EndsWith("/cache", StringComparison.Ordinal) ? [] : requested.Actions;
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { Mode = RegistryAuthMode.Token, TokenPolicy = noCache }, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        await using var proxy = await CredProxyProcess.StartAsync(ProxyEnvironment(registry), [], _none);
        using var build = new CacheBuild(registry, "cache-refused", proxy.Address);
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN echo built > /built
            """);

        var result = await build.RunAsync("refused", "--cache");

        Assert.Contains($"The layer cache {registry.Host}/cache-refused/app/cache cannot be used", result.Output, StringComparison.Ordinal);
        Assert.Contains("Running: ", result.Output, StringComparison.Ordinal);
        Assert.NotNull((await ImageValidator.ValidateAsync(build.Destination("refused"), registry.Credentials, _none)).FindLast("built"));
    }

    [Fact]
    public async Task Every_stage_of_a_multi_stage_build_takes_its_layers_from_the_cache()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.V2s2, _none);
        using var build = new CacheBuild(registry, "cache-stages");
        build.WriteDockerfile($"""
            FROM {baseImage} AS one
            RUN head -c 64 /dev/urandom | od -x > /one
            FROM one AS two
            RUN head -c 64 /dev/urandom | od -x > /two
            FROM {baseImage}
            COPY --from=one /one /one
            COPY --from=two /two /two
            RUN cat /one /two > /both
            """);

        var first = await build.RunAsync("first", "--cache");
        var second = await build.RunAsync("second", "--cache");

        Assert.Equal(3, Count(second.Output, "Using caching version of cmd: RUN "));
        Assert.DoesNotContain("Running: ", second.Output, StringComparison.Ordinal);
        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(File.ReadAllText(build.RootOf("first", "both")), File.ReadAllText(build.RootOf("second", "both")));
    }

    [Fact]
    public async Task Through_the_credential_proxy_the_cache_repository_is_pushed_to_and_read()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Htpasswd, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        var environment = ProxyEnvironment(registry);

        // Pushes only to the project's repository and below it, as GitLab's CI_REGISTRY_IMAGE allows.
        environment["CI_REGISTRY_IMAGE"] = $"{registry.Host}/cache-proxy/app";
        using var build = new CacheBuild(registry, "cache-proxy");
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN head -c 64 /dev/urandom | od -x > /random
            """);

        CacheBuild.Result first, second;
        await using (var proxy = await CredProxyProcess.StartAsync(environment, [], _none))
        {
            first = await build.RunAsync("first", ["--cache"], proxy.Address);
            Assert.DoesNotContain("WARN", first.Output, StringComparison.Ordinal);
        }

        // A fresh proxy per build: the push capability is given out once.
        await using (var proxy = await CredProxyProcess.StartAsync(environment, [], _none))
        {
            second = await build.RunAsync("second", ["--cache"], proxy.Address);
        }

        Assert.Contains("Using caching version of cmd: RUN head", second.Output, StringComparison.Ordinal);
        Assert.Equal(first.Digest, second.Digest);
        Assert.Single(await Skopeo.ListTagsAsync($"{registry.Host}/cache-proxy/app/cache", registry.Credentials, _none));
        Assert.DoesNotContain(registry.Password!, first.Output + second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_push_still_fills_the_cache_and_no_push_cache_only_reads_it()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, _none);
        var baseImage = await BaseImages.PushBusyboxAsync(registry, "library/busybox", "latest", ImageFormat.Oci, _none);
        using var build = new CacheBuild(registry, "cache-nopush");
        var cacheRepo = $"{registry.Host}/ci/cache";
        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN echo one > /one
            """);
        await build.RunAsync("filled", "--cache", "--no-push", "--cache-repo", cacheRepo);
        Assert.Single(await Skopeo.ListTagsAsync(cacheRepo, null, _none));

        build.WriteDockerfile($"""
            FROM {baseImage}
            RUN echo one > /one
            RUN echo two > /two
            """);
        var readOnly = await build.RunAsync("read-only", "--cache", "--no-push", "--no-push-cache", "--cache-repo", cacheRepo);

        Assert.Contains("Using caching version of cmd: RUN echo one", readOnly.Output, StringComparison.Ordinal);
        Assert.Contains("No cached layer found for cmd RUN echo two", readOnly.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Pushing layer ", readOnly.Output, StringComparison.Ordinal);
        Assert.Single(await Skopeo.ListTagsAsync(cacheRepo, null, _none));
        Assert.Equal("two\n", File.ReadAllText(build.RootOf("read-only", "two")));
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static Dictionary<string, string> ProxyEnvironment(RegistryServer registry) => new()
    {
        ["CI_REGISTRY"] = registry.Host,
        ["CI_REGISTRY_USER"] = registry.Username!,
        ["CI_REGISTRY_PASSWORD"] = registry.Password!,
        ["CREDPROXY_INSECURE_REGISTRIES"] = registry.Host,
    };

    /// <summary>One context and Dockerfile built several times, each run with its own root, executor folder and tag.</summary>
    private sealed class CacheBuild(RegistryServer registry, string repository, Uri? proxy = null) : IDisposable
    {
        private readonly TempDirectory _work = TempDirectory.Create(repository);

        private string Context => Directory.CreateDirectory(_work.Combine("context")).FullName;

        public void Dispose() => _work.Dispose();

        public void WriteDockerfile(string text) => WriteContextFile("Dockerfile", text);

        public void WriteContextFile(string name, string text) => File.WriteAllText(Path.Combine(Context, name), text);

        public string Destination(string run) => registry.Reference($"{repository}/app", run);

        public string RootOf(string run, string path) => _work.Combine($"root-{run}", path);

        public Task<Result> RunAsync(string run, params string[] arguments) => RunAsync(run, arguments, proxy);

        public async Task<Result> RunAsync(string run, IReadOnlyList<string> arguments, Uri? through)
        {
            var digestFile = _work.Combine($"digest-{run}");
            List<string> all =
            [
                "--context", Context, "--destination", Destination(run), "--reproducible", "--digest-file", digestFile,
                "--root", _work.Combine($"root-{run}"), "--kaniko-dir", _work.Combine($"kaniko-{run}"), .. arguments,
            ];
            all.AddRange(through is null ? ["--insecure"] : ["--registry-proxy", through.ToString()]);
            var result = await Programs.RunExecutorAsync(all, _none);
            var output = result.StandardOutput + result.StandardError;
            Assert.True(result.ExitCode == 0, $"build {run} failed:\n{output}");
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            return new Result(File.ReadAllText(digestFile), output);
        }

        public sealed record Result(string Digest, string Output);
    }

    /// <summary>A loopback HTTP server that answers "ok" to every request and counts them, until stopped.</summary>
    private sealed class OneLineHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _requests;

        public OneLineHttpServer()
        {
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        public void Stop() => _listener.Stop();

        public void Dispose() => _listener.Stop();

        private async Task ServeAsync()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using (client)
                {
                    Interlocked.Increment(ref _requests);
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    _ = await stream.ReadAsync(buffer);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"));
                }
            }
        }
    }
}
