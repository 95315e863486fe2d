namespace Kaniko.CredProxy.Configuration;

/// <summary>AWS keys for Amazon ECR's GetAuthorizationToken, and where to call it.</summary>
public sealed record AwsIdentity
{
    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    public string? SessionToken { get; init; }

    public required string Region { get; init; }

    /// <summary>ECR API endpoint; default <c>https://api.ecr.REGION.amazonaws.com</c>.</summary>
    public required Uri ApiEndpoint { get; init; }

    public override string ToString() => $"AwsIdentity {{ AccessKeyId = {AccessKeyId}, Region = {Region}, secret [redacted] }}";

    /// <summary>The region in <c>ACCOUNT.dkr.ecr.REGION.amazonaws.com</c>, or null.</summary>
    public static string? RegionFromHost(string host)
    {
        var parts = host.Split('.');
        var ecr = Array.IndexOf(parts, "ecr");
        return ecr > 0 && parts[ecr - 1] == "dkr" && ecr + 1 < parts.Length - 1 ? parts[ecr + 1] : null;
    }
}
