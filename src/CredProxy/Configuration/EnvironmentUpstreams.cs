using System.Collections.Frozen;
using System.Globalization;

namespace Kaniko.CredProxy.Configuration;

/// <summary>
/// Upstreams from environment variables: GitLab's <c>CI_REGISTRY</c>, <c>CI_REGISTRY_USER</c>,
/// <c>CI_REGISTRY_PASSWORD</c>, <c>CI_REGISTRY_IMAGE</c>, <c>CI_JOB_TOKEN</c>, the dependency proxy's
/// <c>CI_DEPENDENCY_PROXY_SERVER</c>, <c>CI_DEPENDENCY_PROXY_USER</c>, <c>CI_DEPENDENCY_PROXY_PASSWORD</c>, and <c>CREDPROXY_REGISTRY_&lt;N&gt;_&lt;FIELD&gt;</c>.
/// </summary>
internal static class EnvironmentUpstreams
{
    public const string GitLabSource = "CI_REGISTRY";
    public const string InsecureRegistries = "CREDPROXY_INSECURE_REGISTRIES";
    public const string DependencyProxySource = "CI_DEPENDENCY_PROXY_SERVER";

    /// <summary>The user GitLab documents for authenticating with <c>CI_JOB_TOKEN</c> as the password.</summary>
    public const string JobTokenUser = "gitlab-ci-token";
    private const string Prefix = "CREDPROXY_REGISTRY_";

    private static readonly FrozenDictionary<string, string> _fields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["HOST"] = "Host",
        ["ENDPOINT"] = "Endpoint",
        ["INSECURE"] = "Insecure",
        ["SKIP_TLS_VERIFY"] = "SkipTlsVerify",
        ["USERNAME"] = "Username",
        ["PASSWORD"] = "Password",
        ["PASSWORD_FILE"] = "PasswordFile",
        ["REALM_HOSTS"] = "RealmHosts",
        ["PULL"] = "Pull",
        ["PUSH"] = "Push",
        ["LISTEN"] = "Listen",
        ["GOOGLE_CREDENTIALS_FILE"] = "GoogleCredentialsFile",
        ["AZURE_TENANT_ID"] = "AzureTenantId",
        ["AZURE_CLIENT_ID"] = "AzureClientId",
        ["AZURE_CLIENT_SECRET"] = "AzureClientSecret",
        ["AZURE_FEDERATED_TOKEN_FILE"] = "AzureFederatedTokenFile",
        ["AZURE_CLIENT_CERTIFICATE_FILE"] = "AzureClientCertificateFile",
        ["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = "AzureClientCertificatePassword",
        ["AZURE_AUTHORITY_HOST"] = "AzureAuthorityHost",
        ["AZURE_MANAGED_IDENTITY"] = "AzureManagedIdentity",
        ["GOOGLE_METADATA"] = "GoogleMetadata",
        ["AWS_ACCESS_KEY_ID"] = "AwsAccessKeyId",
        ["AWS_SECRET_ACCESS_KEY"] = "AwsSecretAccessKey",
        ["AWS_SESSION_TOKEN"] = "AwsSessionToken",
        ["AWS_REGION"] = "AwsRegion",
        ["ECR_API_ENDPOINT"] = "EcrApiEndpoint",
        ["AWS_ROLE_ARN"] = "AwsRoleArn",
        ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "AwsWebIdentityTokenFile",
        ["AWS_ROLE_SESSION_NAME"] = "AwsRoleSessionName",
        ["STS_ENDPOINT"] = "StsEndpoint",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IEnumerable<UpstreamDraft> Read(IReadOnlyDictionary<string, string> env, List<string> errors)
    {
        var drafts = new List<UpstreamDraft>();
        if (env.TryGetValue("CI_REGISTRY", out var gitlabHost) && gitlabHost.Length > 0)
        {
            var image = env.GetValueOrDefault("CI_REGISTRY_IMAGE");
            var pushPatterns = string.IsNullOrEmpty(image) ? null : GitLabPush(gitlabHost, image);
            var (user, password, userSetting, passwordSetting) = GitLabCredential(env, "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD");
            drafts.Add(new UpstreamDraft
            {
                SettingName = field => field switch
                {
                    "Host" => "CI_REGISTRY",
                    "Username" => userSetting,
                    "Password" => passwordSetting,
                    "Push" => "CI_REGISTRY_IMAGE",
                    "Insecure" => InsecureRegistries,
                    _ => "CI_REGISTRY " + field,
                },
                Source = GitLabSource,
                Host = gitlabHost,
                Username = user,
                Password = password,
                Push = pushPatterns,
            });
        }

        if (env.TryGetValue(DependencyProxySource, out var proxyHost) && proxyHost.Length > 0)
        {
            var (user, password, userSetting, passwordSetting) = GitLabCredential(env, "CI_DEPENDENCY_PROXY_USER", "CI_DEPENDENCY_PROXY_PASSWORD");
            drafts.Add(new UpstreamDraft
            {
                SettingName = field => field switch
                {
                    "Host" or "Push" => DependencyProxySource,
                    "Username" => userSetting,
                    "Password" => passwordSetting,
                    "Insecure" => InsecureRegistries,
                    _ => DependencyProxySource + " " + field,
                },
                Source = DependencyProxySource,
                Host = proxyHost,
                Username = user,
                Password = password,

                // The dependency proxy only serves pulls: an empty allow-list refuses every push.
                Push = [],

                // When the same registry is configured elsewhere (CI_REGISTRY on a self-managed instance that
                // serves both on one host, or an explicit CREDPROXY_REGISTRY_<N>_HOST), that entry wins with its
                // push allow-list and credentials; these credentials only fill in when it has none.
                IsFallback = true,
            });
        }

        var groups = new SortedDictionary<int, Dictionary<string, string>>();
        foreach (var (key, value) in env)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = key[Prefix.Length..];
            var underscore = rest.IndexOf('_');
            if (underscore <= 0
                || !int.TryParse(rest[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || !_fields.TryGetValue(rest[(underscore + 1)..], out var field))
            {
                errors.Add($"{key}: unknown setting (expected {Prefix}<N>_<{string.Join('|', _fields.Keys)}>)");
                continue;
            }

            if (!groups.TryGetValue(index, out var group))
            {
                groups[index] = group = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            group[field] = value;
        }

        foreach (var (index, group) in groups)
        {
            var prefix = $"{Prefix}{index.ToString(CultureInfo.InvariantCulture)}_";
            drafts.Add(UpstreamDraft.FromFields(
                prefix + "*",
                field => prefix + _fields.First(f => f.Value == field).Key,
                group.GetValueOrDefault,
                field => group.TryGetValue(field, out var value) ? SettingValues.SplitList(value) : null));
        }

        return drafts;
    }

    /// <summary>
    /// The explicit user and password variables, or, when neither is set, <c>gitlab-ci-token</c> with
    /// <c>CI_JOB_TOKEN</c> (GitLab's documented equivalent), with the setting names for messages.
    /// </summary>
    private static (string? User, string? Password, string UserSetting, string PasswordSetting) GitLabCredential(
        IReadOnlyDictionary<string, string> env, string userVariable, string passwordVariable)
    {
        var user = env.GetValueOrDefault(userVariable);
        var password = env.GetValueOrDefault(passwordVariable);
        if (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(password) && env.GetValueOrDefault("CI_JOB_TOKEN") is { Length: > 0 } jobToken)
        {
            return (JobTokenUser, jobToken, "CI_JOB_TOKEN", "CI_JOB_TOKEN");
        }

        return (user, password, userVariable, passwordVariable);
    }

    /// <summary><c>CI_REGISTRY_IMAGE</c> is <c>host/group/project</c>: push to it and below.</summary>
    private static List<string> GitLabPush(string host, string image)
    {
        var repository = image.StartsWith(host + "/", StringComparison.OrdinalIgnoreCase) ? image[(host.Length + 1)..] : image;
        return [repository, repository + "/*"];
    }
}
