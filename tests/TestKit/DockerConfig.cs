using System.Text;
using System.Text.Json;

namespace Kaniko.TestKit;

/// <summary>
/// Writes a Docker <c>config.json</c> (<c>{"auths": {HOST: {"auth": base64(user:pass)}}}</c>) as kaniko
/// reads it from <c>$DOCKER_CONFIG/config.json</c> (default <c>/kaniko/.docker</c>).
/// </summary>
public static class DockerConfig
{
    /// <summary>The JSON for the given hosts (<c>127.0.0.1:PORT</c>) and credentials.</summary>
    public static string CreateJson(IEnumerable<KeyValuePair<string, RegistryCredentials>> auths)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("auths");
            foreach (var (host, credentials) in auths)
            {
                writer.WriteStartObject(host);
                writer.WriteString("auth", credentials.ToBasicParameter());
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Writes <c>DIRECTORY/config.json</c> with the credentials of every registry that has some;
    /// returns the file's path. Point <c>DOCKER_CONFIG</c> at DIRECTORY.
    /// </summary>
    public static async Task<string> WriteAsync(
        string directory, IEnumerable<RegistryServer> registries, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "config.json");
        var auths = registries
            .Where(r => r.Credentials is not null)
            .Select(r => KeyValuePair.Create(r.Host, r.Credentials!));
        await File.WriteAllTextAsync(path, CreateJson(auths) + "\n", cancellationToken);
        return path;
    }
}
