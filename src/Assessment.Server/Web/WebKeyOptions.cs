using System.Security.Cryptography.X509Certificates;

namespace Assessment.Server.Web;

/// <summary>
/// How the shared web key ring is encrypted at rest (section <c>WebKeys</c>): a certificate and its private key as PEM
/// files, in Kubernetes from the Secret <c>assessment-web-keys</c>. Absent: the keys are stored unencrypted in the
/// database (the embedded single-server setup, where the database is the server's own).
/// </summary>
public sealed class WebKeyOptions
{
    public const string Section = "WebKeys";

    public string? CertificateFile { get; set; }

    public string? KeyFile { get; set; }

    public X509Certificate2? Load()
    {
        if (string.IsNullOrWhiteSpace(CertificateFile) || string.IsNullOrWhiteSpace(KeyFile))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot load the web key certificate {CertificateFile} with key {KeyFile}: {ex.Message}");
        }
    }
}
