using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>Client certificates made in the test (no fixture files), written as PEM or PFX.</summary>
public static class TestCertificates
{
    public const string PfxPassword = "pfx-Pa55word-321";

    /// <summary>A self-signed RSA certificate with its private key, valid from a day ago for <paramref name="validFor"/> (default a day).</summary>
    public static X509Certificate2 Create(string subject, TimeSpan? validFor = null, bool rsa = true)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = rsa ? (AsymmetricAlgorithm)RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = key is RSA rsaKey
            ? new CertificateRequest($"CN={subject}", rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={subject}", (ECDsa)key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(now.AddDays(-1), now + (validFor ?? TimeSpan.FromDays(1)));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The certificate and its PKCS#8 private key in one PEM file (the key encrypted when a password is given).</summary>
    public static string WritePem(X509Certificate2 certificate, string path, string? password = null, bool withKey = true)
    {
        var pem = certificate.ExportCertificatePem() + "\n";
        if (withKey)
        {
            using var key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()!;
            pem += password is null
                ? key.ExportPkcs8PrivateKeyPem()
                : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));
        }

        File.WriteAllText(path, pem + "\n");
        return path;
    }

    public static string WritePfx(X509Certificate2 certificate, string path, string? password)
    {
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>The public part only, as the application's registration at Entra ID holds it.</summary>
    public static X509Certificate2 PublicPart(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);
}
