namespace Kaniko.Executor.Registry;

/// <summary>
/// A failed registry operation. The message names the registry, repository, operation, HTTP status and the
/// registry's error codes, and says what to do; it never contains a secret.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string message, string registry, string? repository, int? statusCode = null, IReadOnlyList<string>? errorCodes = null, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Registry = registry;
        Repository = repository;
        StatusCode = statusCode;
        ErrorCodes = errorCodes ?? [];
        IsTransient = isTransient;
    }

    public RegistryException()
        : this("registry operation failed", "", null)
    {
    }

    public RegistryException(string message)
        : this(message, "", null)
    {
    }

    public RegistryException(string message, Exception innerException)
        : this(message, "", null, innerException: innerException)
    {
    }

    public string Registry { get; }

    public string? Repository { get; }

    public int? StatusCode { get; }

    public IReadOnlyList<string> ErrorCodes { get; }

    /// <summary>True when trying again later may succeed (5xx, 429, connection errors, stalls).</summary>
    public bool IsTransient { get; }

    /// <summary>How long the registry asked us to wait (Retry-After), if it did.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when the registry refused to overwrite an immutable tag.</summary>
    public bool IsImmutableTagError =>
        StatusCode == 409 || ErrorCodes.Contains("TAG_INVALID") || ErrorCodes.Contains("TAG_IMMUTABLE");
}
