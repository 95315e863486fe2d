using Kaniko.CredProxy.Policy;

namespace Kaniko.CredProxy.Configuration;

/// <summary>Upstream settings as read from one source, before validation.</summary>
internal sealed record UpstreamDraft
{
    /// <summary>Names a field as the user wrote it, e.g. <c>CREDPROXY_REGISTRY_1_HOST</c> or <c>CredProxy:Upstreams:0:Host</c>.</summary>
    public required Func<string, string> SettingName { get; init; }

    public required string Source { get; init; }

    public string? Host { get; init; }
    public string? Endpoint { get; init; }
    public string? Insecure { get; init; }
    public string? SkipTlsVerify { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? PasswordFile { get; init; }

    /// <summary>A docker config <c>identitytoken</c> (OAuth2 refresh token), used instead of a password.</summary>
    public string? IdentityToken { get; init; }
    public IReadOnlyList<string> RealmHosts { get; init; } = [];
    public IReadOnlyList<string>? Pull { get; init; }
    public IReadOnlyList<string>? Push { get; init; }
    public string? Listen { get; init; }

    /// <summary>Docker credential helper name (without <c>docker-credential-</c>) and the server key to ask it about.</summary>
    public string? CredentialHelper { get; init; }

    public string? CredentialHelperServer { get; init; }

    public string? GoogleCredentialsFile { get; init; }

    public string? AzureTenantId { get; init; }
    public string? AzureClientId { get; init; }
    public string? AzureClientSecret { get; init; }
    public string? AzureFederatedTokenFile { get; init; }
    public string? AzureClientCertificateFile { get; init; }
    public string? AzureClientCertificatePassword { get; init; }
    public string? AzureAuthorityHost { get; init; }
    public string? AzureManagedIdentity { get; init; }
    public string? GoogleMetadata { get; init; }

    public string? AwsAccessKeyId { get; init; }
    public string? AwsSecretAccessKey { get; init; }
    public string? AwsSessionToken { get; init; }
    public string? AwsRegion { get; init; }
    public string? EcrApiEndpoint { get; init; }
    public string? AwsRoleArn { get; init; }
    public string? AwsWebIdentityTokenFile { get; init; }
    public string? AwsRoleSessionName { get; init; }
    public string? StsEndpoint { get; init; }

    /// <summary>Only supplies credentials for a registry configured elsewhere, or adds it when it is not.</summary>
    public bool IsFallback { get; init; }

    /// <summary>
    /// A draft from fields named as these properties are, for the sources that can set every field: the config
    /// file's <c>Upstreams</c> entries and <c>CREDPROXY_REGISTRY_&lt;N&gt;_*</c>. <paramref name="list"/> reads
    /// RealmHosts, Pull and Push (null when not given).
    /// </summary>
    public static UpstreamDraft FromFields(string source, Func<string, string> settingName, Func<string, string?> text, Func<string, IReadOnlyList<string>?> list) => new()
    {
        SettingName = settingName,
        Source = source,
        Host = text("Host"),
        Endpoint = text("Endpoint"),
        Insecure = text("Insecure"),
        SkipTlsVerify = text("SkipTlsVerify"),
        Username = text("Username"),
        Password = text("Password"),
        PasswordFile = text("PasswordFile"),
        Listen = text("Listen"),
        GoogleCredentialsFile = text("GoogleCredentialsFile"),
        AzureTenantId = text("AzureTenantId"),
        AzureClientId = text("AzureClientId"),
        AzureClientSecret = text("AzureClientSecret"),
        AzureFederatedTokenFile = text("AzureFederatedTokenFile"),
        AzureClientCertificateFile = text("AzureClientCertificateFile"),
        AzureClientCertificatePassword = text("AzureClientCertificatePassword"),
        AzureAuthorityHost = text("AzureAuthorityHost"),
        AzureManagedIdentity = text("AzureManagedIdentity"),
        GoogleMetadata = text("GoogleMetadata"),
        AwsAccessKeyId = text("AwsAccessKeyId"),
        AwsSecretAccessKey = text("AwsSecretAccessKey"),
        AwsSessionToken = text("AwsSessionToken"),
        AwsRegion = text("AwsRegion"),
        EcrApiEndpoint = text("EcrApiEndpoint"),
        AwsRoleArn = text("AwsRoleArn"),
        AwsWebIdentityTokenFile = text("AwsWebIdentityTokenFile"),
        AwsRoleSessionName = text("AwsRoleSessionName"),
        StsEndpoint = text("StsEndpoint"),
        RealmHosts = list("RealmHosts") ?? [],
        Pull = list("Pull"),
        Push = list("Push"),
    };

    public UpstreamOptions? Validate(List<string> errors, Func<string, string?> readFile, Func<string, string?> findHelper)
    {
        var start = errors.Count;
        var host = Host is null ? null : KnownRegistries.NormalizeHost(Host);
        if (string.IsNullOrEmpty(host))
        {
            errors.Add($"{SettingName("Host")}: required (registry host, e.g. registry.example.com:5000)");
            return null;
        }

        if (host.Contains('/') || host.Contains('@') || !Uri.TryCreate("https://" + host + "/", UriKind.Absolute, out _))
        {
            errors.Add($"{SettingName("Host")}: '{host}' is not a registry host[:port]");
        }

        var insecure = ParseBool(Insecure, "Insecure", errors) ?? false;
        var endpoint = BuildEndpoint(host, insecure, errors);
        var credential = BuildCredential(errors, readFile);
        var pull = ParsePatterns(Pull, "Pull", errors) ?? [];
        var push = ParsePatterns(Push, "Push", errors);
        if (Listen is not null && !ListenAddress.TryParse(Listen, out _))
        {
            errors.Add($"{SettingName("Listen")}: '{Listen}' is not ip:port");
        }

        var skip = ParseBool(SkipTlsVerify, "SkipTlsVerify", errors) ?? false;
        var googleMetadata = ParseBool(GoogleMetadata, "GoogleMetadata", errors) ?? false;
        if (googleMetadata && (credential is not null || !string.IsNullOrEmpty(GoogleCredentialsFile)))
        {
            errors.Add($"{SettingName("GoogleMetadata")}: the metadata server excludes a username/password and a Google credentials file");
        }

        if (!string.IsNullOrEmpty(GoogleCredentialsFile))
        {
            if (credential is not null)
            {
                errors.Add($"{SettingName("GoogleCredentialsFile")}: set either it or a username and password, not both");
            }
            else if (readFile(GoogleCredentialsFile) is null)
            {
                errors.Add($"{SettingName("GoogleCredentialsFile")}: cannot read '{GoogleCredentialsFile}'");
            }
        }

        var google = !string.IsNullOrEmpty(GoogleCredentialsFile) || googleMetadata;
        var azure = BuildAzure(credential is not null || google, errors);
        var aws = BuildAws(host, credential is not null || google || azure is not null || CredentialHelper is not null, errors, readFile);
        string? helperPath = null;
        if (CredentialHelper is not null)
        {
            helperPath = findHelper("docker-credential-" + CredentialHelper);
            if (helperPath is null)
            {
                errors.Add($"{SettingName("CredentialHelper")}: docker-credential-{CredentialHelper} is not on PATH");
            }
        }

        if (errors.Count > start || endpoint is null)
        {
            return null;
        }

        return new UpstreamOptions
        {
            Host = host.ToLowerInvariant(),
            Endpoint = endpoint,
            Credential = credential,
            CredentialHelper = helperPath,
            CredentialHelperServer = CredentialHelperServer,
            GoogleCredentialsFile = string.IsNullOrEmpty(GoogleCredentialsFile) ? null : GoogleCredentialsFile,
            GoogleMetadata = googleMetadata,
            Azure = azure,
            Aws = aws,
            SkipTlsVerify = skip,
            RealmHosts = [.. RealmHosts.Concat(KnownRegistries.DefaultRealmHosts(host)).Select(h => h.Trim()).Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)],
            Pull = pull,
            Push = push,
            PushSetting = push is null ? null : SettingName("Push"),
            SchemeSetting = string.IsNullOrWhiteSpace(Endpoint) ? SettingName("Insecure") : SettingName("Endpoint"),
            SkipTlsVerifySetting = SettingName("SkipTlsVerify"),
            Listen = Listen,
            Source = Source,
        };
    }

    private AzureIdentity? BuildAzure(bool hasOtherCredentials, List<string> errors)
    {
        string?[] all = [AzureTenantId, AzureClientId, AzureClientSecret, AzureFederatedTokenFile, AzureClientCertificateFile, AzureClientCertificatePassword, AzureAuthorityHost, AzureManagedIdentity];
        if (all.All(string.IsNullOrEmpty))
        {
            return null;
        }

        var start = errors.Count;
        if (hasOtherCredentials)
        {
            errors.Add($"{SettingName(string.IsNullOrEmpty(AzureManagedIdentity) ? "AzureClientId" : "AzureManagedIdentity")}: Azure credentials exclude a username/password and Google credentials");
        }

        if (!string.IsNullOrEmpty(AzureManagedIdentity))
        {
            string?[] application = [AzureClientId, AzureClientSecret, AzureFederatedTokenFile, AzureClientCertificateFile, AzureClientCertificatePassword];
            if (!application.All(string.IsNullOrEmpty))
            {
                errors.Add($"{SettingName("AzureManagedIdentity")}: a managed identity excludes {SettingName("AzureClientId")}, {SettingName("AzureClientSecret")}, {SettingName("AzureClientCertificateFile")} and {SettingName("AzureFederatedTokenFile")} (for a user-assigned identity, give its client id here)");
            }

            var managed = AzureManagedIdentity.Trim();
            if (managed != AzureIdentity.SystemAssigned && !Guid.TryParse(managed, out _))
            {
                errors.Add($"{SettingName("AzureManagedIdentity")}: '{managed}' is neither 'system' nor a client id (GUID) of a user-assigned identity");
            }

            return errors.Count > start ? null : new AzureIdentity
            {
                TenantId = string.IsNullOrEmpty(AzureTenantId) ? null : AzureTenantId,
                ManagedIdentity = managed,
            };
        }

        foreach (var (value, field) in new[] { (AzureTenantId, "AzureTenantId"), (AzureClientId, "AzureClientId") })
        {
            if (string.IsNullOrEmpty(value))
            {
                errors.Add($"{SettingName(field)}: required for Azure credentials (or set {SettingName("AzureManagedIdentity")})");
            }
        }

        string?[] proofs = [AzureClientSecret, AzureClientCertificateFile, AzureFederatedTokenFile];
        if (proofs.Count(p => !string.IsNullOrEmpty(p)) != 1)
        {
            errors.Add($"{SettingName("AzureClientSecret")}: set exactly one of it, {SettingName("AzureClientCertificateFile")} and {SettingName("AzureFederatedTokenFile")}");
        }

        if (!string.IsNullOrEmpty(AzureClientCertificatePassword) && string.IsNullOrEmpty(AzureClientCertificateFile))
        {
            errors.Add($"{SettingName("AzureClientCertificatePassword")}: only used with {SettingName("AzureClientCertificateFile")}");
        }

        if (!string.IsNullOrEmpty(AzureClientCertificateFile))
        {
            // Load it now so a wrong path, password or key fails at start, not at the first pull.
            using var certificate = Auth.ClientCertificate.TryLoad(AzureClientCertificateFile, AzureClientCertificatePassword, SettingName("AzureClientCertificatePassword"), TimeProvider.System, out var problem);
            if (problem is not null)
            {
                errors.Add($"{SettingName("AzureClientCertificateFile")}: {problem}");
            }
        }

        var authority = AzureIdentity.PublicCloud;
        if (!string.IsNullOrEmpty(AzureAuthorityHost)
            && (!Uri.TryCreate(AzureAuthorityHost, UriKind.Absolute, out authority) || authority.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{SettingName("AzureAuthorityHost")}: '{AzureAuthorityHost}' is not an https URL");
        }

        return errors.Count > start ? null : new AzureIdentity
        {
            TenantId = AzureTenantId!,
            ClientId = AzureClientId!,
            ClientSecret = string.IsNullOrEmpty(AzureClientSecret) ? null : AzureClientSecret,
            FederatedTokenFile = string.IsNullOrEmpty(AzureFederatedTokenFile) ? null : AzureFederatedTokenFile,
            ClientCertificateFile = NullIfEmpty(AzureClientCertificateFile),
            ClientCertificatePassword = NullIfEmpty(AzureClientCertificatePassword),
            AuthorityHost = authority!,
        };
    }

    private AwsIdentity? BuildAws(string host, bool hasOtherCredentials, List<string> errors, Func<string, string?> readFile)
    {
        string?[] all = [AwsAccessKeyId, AwsSecretAccessKey, AwsSessionToken, AwsRegion, EcrApiEndpoint, AwsRoleArn, AwsWebIdentityTokenFile, AwsRoleSessionName, StsEndpoint];
        var anySet = !all.All(string.IsNullOrEmpty);
        if (!anySet && (hasOtherCredentials || !AwsIdentity.IsEcrHost(host)))
        {
            return null;
        }

        var start = errors.Count;
        if (anySet && hasOtherCredentials)
        {
            errors.Add($"{SettingName(string.IsNullOrEmpty(AwsRoleArn) ? "AwsAccessKeyId" : "AwsRoleArn")}: AWS credentials exclude other credentials");
        }

        var hasKeys = !string.IsNullOrEmpty(AwsAccessKeyId) || !string.IsNullOrEmpty(AwsSecretAccessKey) || !string.IsNullOrEmpty(AwsSessionToken);
        var hasWebIdentity = !string.IsNullOrEmpty(AwsRoleArn) || !string.IsNullOrEmpty(AwsWebIdentityTokenFile) || !string.IsNullOrEmpty(AwsRoleSessionName);
        var kind = hasKeys ? AwsCredentialKind.Keys : hasWebIdentity ? AwsCredentialKind.WebIdentity : AwsCredentialKind.DefaultChain;
        if (hasKeys && hasWebIdentity)
        {
            errors.Add($"{SettingName("AwsRoleArn")}: set either AWS keys or a web identity role, not both");
        }
        else if (hasKeys && (string.IsNullOrEmpty(AwsAccessKeyId) || string.IsNullOrEmpty(AwsSecretAccessKey)))
        {
            errors.Add($"{SettingName(string.IsNullOrEmpty(AwsAccessKeyId) ? "AwsAccessKeyId" : "AwsSecretAccessKey")}: required for AWS keys");
        }
        else if (hasWebIdentity)
        {
            if (string.IsNullOrEmpty(AwsRoleArn) || !AwsRoleArn.StartsWith("arn:", StringComparison.Ordinal))
            {
                errors.Add($"{SettingName("AwsRoleArn")}: required for web identity, an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
            }

            if (string.IsNullOrEmpty(AwsWebIdentityTokenFile))
            {
                errors.Add($"{SettingName("AwsWebIdentityTokenFile")}: required for web identity (the OIDC token file, read at each refresh)");
            }
            else if (readFile(AwsWebIdentityTokenFile) is null)
            {
                errors.Add($"{SettingName("AwsWebIdentityTokenFile")}: cannot read '{AwsWebIdentityTokenFile}'");
            }

            if (!string.IsNullOrEmpty(AwsRoleSessionName) && !SessionNameIsValid(AwsRoleSessionName))
            {
                errors.Add($"{SettingName("AwsRoleSessionName")}: '{AwsRoleSessionName}' must be 2-64 letters, digits or =,.@_-");
            }
        }

        var region = string.IsNullOrEmpty(AwsRegion) ? AwsIdentity.RegionFromHost(host) : AwsRegion;
        if (region is null)
        {
            errors.Add($"{SettingName("AwsRegion")}: required (the host is not ACCOUNT.dkr.ecr.REGION.amazonaws.com)");
        }

        var api = ParseAwsEndpoint(EcrApiEndpoint, "EcrApiEndpoint", errors) ?? (region is null ? null : new Uri($"https://api.ecr.{region}.amazonaws.com"));
        var sts = ParseAwsEndpoint(StsEndpoint, "StsEndpoint", errors);
        if (sts is not null && kind != AwsCredentialKind.WebIdentity)
        {
            errors.Add($"{SettingName("StsEndpoint")}: only used with a web identity role ({SettingName("AwsRoleArn")})");
        }

        return errors.Count > start || api is null ? null : new AwsIdentity
        {
            Kind = kind,
            AccessKeyId = NullIfEmpty(AwsAccessKeyId),
            SecretAccessKey = NullIfEmpty(AwsSecretAccessKey),
            SessionToken = NullIfEmpty(AwsSessionToken),
            RoleArn = NullIfEmpty(AwsRoleArn),
            WebIdentityTokenFile = NullIfEmpty(AwsWebIdentityTokenFile),
            RoleSessionName = NullIfEmpty(AwsRoleSessionName) ?? "credproxy",
            StsEndpoint = sts,
            Region = region!,
            ApiEndpoint = api,
        };
    }

    private Uri? ParseAwsEndpoint(string? value, string field, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.UserInfo.Length > 0)
        {
            errors.Add($"{SettingName(field)}: '{value}' is not an http(s) URL");
            return null;
        }

        return uri;
    }

    private static bool SessionNameIsValid(string name) =>
        name.Length is >= 2 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || "=,.@_-+".Contains(c, StringComparison.Ordinal));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private Uri? BuildEndpoint(string host, bool insecure, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            if (!insecure && KnownRegistries.DefaultEndpoint(host) is { } known)
            {
                return known;
            }

            return Uri.TryCreate((insecure ? "http://" : "https://") + host, UriKind.Absolute, out var derived) ? derived : null;
        }

        if (!Uri.TryCreate(Endpoint.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            errors.Add($"{SettingName("Endpoint")}: '{Endpoint}' must be an http(s) origin without path, query or user info");
            return null;
        }

        return uri;
    }

    private RegistryCredential? BuildCredential(List<string> errors, Func<string, string?> readFile)
    {
        if (!string.IsNullOrEmpty(IdentityToken))
        {
            return new RegistryCredential(string.IsNullOrEmpty(Username) ? "<token>" : Username, IdentityToken, isIdentityToken: true);
        }

        var password = Password;
        if (!string.IsNullOrEmpty(PasswordFile))
        {
            if (!string.IsNullOrEmpty(Password))
            {
                errors.Add($"{SettingName("PasswordFile")}: set either it or {SettingName("Password")}, not both");
            }

            password = readFile(PasswordFile);
            if (password is null)
            {
                errors.Add($"{SettingName("PasswordFile")}: cannot read '{PasswordFile}'");
                return null;
            }

            password = password.TrimEnd('\r', '\n');
        }

        var hasUser = !string.IsNullOrEmpty(Username);
        var hasPassword = !string.IsNullOrEmpty(password);
        if (hasUser != hasPassword)
        {
            errors.Add(hasUser
                ? $"{SettingName("Password")}: missing while {SettingName("Username")} is set" + (Source == EnvironmentUpstreams.GitLabSource ? " (or unset both: CI_JOB_TOKEN is then used as gitlab-ci-token)" : string.Empty)
                : $"{SettingName("Username")}: missing while a password is set");
            return null;
        }

        return hasUser ? new RegistryCredential(Username!, password!) : null;
    }

    private bool? ParseBool(string? value, string field, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (SettingValues.TryParseBool(value, out var result))
        {
            return result;
        }

        errors.Add($"{SettingName(field)}: '{value}' is not true or false");
        return null;
    }

    private List<RepositoryPattern>? ParsePatterns(IReadOnlyList<string>? values, string field, List<string> errors)
    {
        if (values is null)
        {
            return null;
        }

        var patterns = new List<RepositoryPattern>();
        foreach (var value in values)
        {
            if (value.Trim().Length == 0)
            {
                continue;
            }

            if (RepositoryPattern.TryParse(value, out var pattern))
            {
                patterns.Add(pattern!);
            }
            else
            {
                errors.Add($"{SettingName(field)}: '{value}' is not a repository pattern (name, name/* or *)");
            }
        }

        return patterns;
    }
}
