namespace Kaniko.Executor.Registry;

/// <summary>One HTTP exchange with a registry, rebuilt for every attempt.</summary>
internal sealed record RegistryRequest(HttpMethod Method, Uri Uri, ImageReference Target, string Operation)
{
    /// <summary>Token scope actions: <c>pull</c> or <c>pull,push</c>.</summary>
    public string Actions { get; init; } = "pull";

    /// <summary>Extra token scopes, e.g. pull on the source repository of a cross-repository mount.</summary>
    public IReadOnlyList<string> ExtraScopes { get; init; } = [];

    public IReadOnlyList<string> Accept { get; init; } = [];

    /// <summary>A small body (manifest), sent whole.</summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>A large body (blob), opened anew for each attempt and streamed with stall detection.</summary>
    public Func<Stream>? OpenBody { get; init; }

    public long? BodyLength { get; init; }

    public string? ContentType { get; init; }

    /// <summary>First byte wanted (a Range request), for resuming downloads.</summary>
    public long? RangeFrom { get; init; }

    public string Scope => $"repository:{Target.Repository}:{Actions}";
}
