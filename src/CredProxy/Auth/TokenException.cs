namespace Kaniko.CredProxy.Auth;

/// <summary>A token could not be had; the message names endpoint host and scope, never a secret.</summary>
public sealed class TokenException(string message) : Exception(message);
