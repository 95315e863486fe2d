namespace Kaniko.CredProxy.Configuration;

public enum AwsCredentialKind
{
    /// <summary>An access key (and optional session token) given in the settings.</summary>
    Keys,

    /// <summary>STS AssumeRoleWithWebIdentity with a role ARN and a token file read fresh for each call.</summary>
    WebIdentity,

    /// <summary>The AWS SDK's default chain (environment, profiles, web identity, ECS, EC2 instance metadata).</summary>
    DefaultChain,
}

/// <summary>Where the proxy gets AWS credentials for Amazon ECR's GetAuthorizationToken, and where to call it.</summary>
public sealed record AwsIdentity
{
    public required AwsCredentialKind Kind { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? SessionToken { get; init; }

    /// <summary>Role to assume with the web identity token (<see cref="AwsCredentialKind.WebIdentity"/>).</summary>
    public string? RoleArn { get; init; }

    public string? WebIdentityTokenFile { get; init; }

    public string RoleSessionName { get; init; } = "credproxy";

    /// <summary>STS endpoint override (VPC endpoints, tests); null: the region's STS endpoint.</summary>
    public Uri? StsEndpoint { get; init; }

    public required string Region { get; init; }

    /// <summary>ECR API endpoint; default <c>https://api.ecr.REGION.amazonaws.com</c>.</summary>
    public required Uri ApiEndpoint { get; init; }

    /// <summary>Names the identity in logs: the key id, the role, or the default chain; never a secret.</summary>
    public string Describe() => Kind switch
    {
        AwsCredentialKind.Keys => AccessKeyId!,
        AwsCredentialKind.WebIdentity => RoleArn!,
        _ => "default credential chain",
    };

    public override string ToString() => $"AwsIdentity {{ Kind = {Kind}, {Describe()}, Region = {Region}, secret [redacted] }}";

    /// <summary>The region in <c>ACCOUNT.dkr.ecr.REGION.amazonaws.com</c> (or <c>.amazonaws.com.cn</c>), or null.</summary>
    public static string? RegionFromHost(string host)
    {
        var parts = host.Split('.');
        var ecr = Array.IndexOf(parts, "ecr");
        return ecr > 0 && parts[ecr - 1] == "dkr" && ecr + 1 < parts.Length - 1 ? parts[ecr + 1] : null;
    }

    /// <summary>An Amazon ECR private registry host (<c>ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]</c>).</summary>
    public static bool IsEcrHost(string host)
    {
        var name = host.Split(':')[0];
        return RegionFromHost(name) is not null
            && (name.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase));
    }
}
