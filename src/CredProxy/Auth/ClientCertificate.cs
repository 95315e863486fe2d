using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// An application's client certificate with its private key, from a PEM file (certificate and private key,
/// the key optionally encrypted) or a PFX/PKCS#12 file (optionally password-protected).
/// </summary>
public static class ClientCertificate
{
    /// <summary>Loads the certificate, or says what is wrong in <paramref name="problem"/> (never the password).</summary>
    /// <param name="passwordSetting">Names the password setting in problems, e.g. <c>CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD</c>.</param>
    public static X509Certificate2? TryLoad(string path, string? password, string passwordSetting, TimeProvider time, out string? problem)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"cannot read '{path}' ({ex.GetType().Name})";
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            var text = Encoding.UTF8.GetString(bytes);
            if (text.Contains("-----BEGIN ", StringComparison.Ordinal))
            {
                if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                {
                    problem = $"'{path}' is PEM without a certificate (expected the certificate and its private key)";
                    return null;
                }

                if (!text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    problem = $"'{path}' holds no private key (put the certificate and its private key in one PEM file, or use a PFX)";
                    return null;
                }

                if (text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    if (string.IsNullOrEmpty(password))
                    {
                        problem = $"the private key in '{path}' is encrypted: set {passwordSetting}";
                        return null;
                    }

                    certificate = X509Certificate2.CreateFromEncryptedPem(text, text, password);
                }
                else
                {
                    certificate = X509Certificate2.CreateFromPem(text, text);
                }
            }
            else
            {
                certificate = X509CertificateLoader.LoadPkcs12(bytes, string.IsNullOrEmpty(password) ? null : password);
            }
        }
        catch (CryptographicException)
        {
            // The exception's text may quote parts of the file; say what to check instead.
            problem = $"cannot open '{path}' as a PEM certificate with private key or as a PFX (wrong or missing {passwordSetting}, or another format)";
            return null;
        }

        problem = Check(certificate, path, time);
        if (problem is null)
        {
            return certificate;
        }

        certificate.Dispose();
        return null;
    }

    private static string? Check(X509Certificate2 certificate, string path, TimeProvider time)
    {
        if (!certificate.HasPrivateKey)
        {
            return $"'{path}' holds no private key for its certificate (put the certificate and its private key in one PEM file, or use a PFX)";
        }

        using (var rsa = certificate.GetRSAPrivateKey())
        {
            if (rsa is null)
            {
                return $"the key in '{path}' is not RSA (Entra ID client certificates are RSA)";
            }
        }

        var now = time.GetUtcNow();
        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            return $"the certificate in '{path}' ({certificate.Subject}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
        }

        return certificate.NotBefore.ToUniversalTime() > now.UtcDateTime
            ? $"the certificate in '{path}' ({certificate.Subject}) is valid only from {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
            : null;
    }
}
