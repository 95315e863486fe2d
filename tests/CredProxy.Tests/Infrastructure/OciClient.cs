using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>Minimal registry client over HttpClient, the way the executor talks to the proxy.</summary>
public sealed class OciClient(HttpClient http, string? ns, string? pushToken)
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public string Url(string path, string? query = null)
    {
        var parts = new[] { query, ns is null ? null : "ns=" + Uri.EscapeDataString(ns) }.Where(p => p is not null);
        var q = string.Join('&', parts);
        return q.Length == 0 ? path : path + "?" + q;
    }

    public HttpRequestMessage Request(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        if (pushToken is not null)
        {
            request.Headers.Add("Kaniko-Push-Token", pushToken);
        }

        return request;
    }

    public async Task<HttpResponseMessage> StartUploadAsync(string repo, CancellationToken ct, string? query = null) =>
        await http.SendAsync(Request(HttpMethod.Post, Url($"/v2/{repo}/blobs/uploads/", query)), ct);

    /// <summary>POST then one PUT with the whole blob.</summary>
    public async Task<string> PushBlobAsync(string repo, byte[] data, CancellationToken ct)
    {
        using var start = await StartUploadAsync(repo, ct);
        await EnsureAsync(start, HttpStatusCode.Accepted, ct);
        var digest = Digest(data);
        using var put = Request(HttpMethod.Put, AddQuery(start.Headers.Location!, "digest=" + digest));
        put.Content = new ByteArrayContent(data);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await http.SendAsync(put, ct);
        await EnsureAsync(done, HttpStatusCode.Created, ct);
        return digest;
    }

    /// <summary>POST, PATCH in two chunks, then PUT without body.</summary>
    public async Task<string> PushBlobChunkedAsync(string repo, byte[] data, CancellationToken ct)
    {
        using var start = await StartUploadAsync(repo, ct);
        await EnsureAsync(start, HttpStatusCode.Accepted, ct);
        var location = start.Headers.Location!;
        var half = data.Length / 2;
        foreach (var (offset, count) in new[] { (0, half), (half, data.Length - half) })
        {
            using var patch = Request(HttpMethod.Patch, location.ToString());
            patch.Content = new ByteArrayContent(data, offset, count);
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + count - 1}");
            using var answer = await http.SendAsync(patch, ct);
            await EnsureAsync(answer, HttpStatusCode.Accepted, ct);
            location = answer.Headers.Location!;
        }

        var digest = Digest(data);
        using var put = Request(HttpMethod.Put, AddQuery(location, "digest=" + digest));
        using var done = await http.SendAsync(put, ct);
        await EnsureAsync(done, HttpStatusCode.Created, ct);
        return digest;
    }

    public async Task<string> PutManifestAsync(string repo, string tag, string configDigest, int configSize, string layerDigest, int layerSize, CancellationToken ct)
    {
        var json = $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestType}}",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{configSize}}},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layerDigest}}","size":{{layerSize}}}]}
            """;
        var bytes = Encoding.UTF8.GetBytes(json);
        using var put = Request(HttpMethod.Put, Url($"/v2/{repo}/manifests/{tag}"));
        put.Content = new ByteArrayContent(bytes);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(ManifestType);
        using var response = await http.SendAsync(put, ct);
        await EnsureAsync(response, HttpStatusCode.Created, ct);
        return Digest(bytes);
    }

    public async Task<byte[]> GetAsync(string path, CancellationToken ct, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await http.SendAsync(request, ct);
        await EnsureAsync(response, HttpStatusCode.OK, ct);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    public static string AddQuery(Uri location, string query) =>
        location + (string.IsNullOrEmpty(location.Query) ? "?" : "&") + query;

    public static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        }
    }
}
