using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace OpsBoard.Web.Security;

/// <summary>
/// How the node is reached, from the <c>OpsBoard</c> section: its own certificate (Kestrel serves HTTPS), or a TLS
/// reverse proxy in front (forwarded headers trusted from the listed addresses only), or neither — plain HTTP, which
/// only the loopback demo should use.
/// </summary>
public sealed class TransportOptions
{
    /// <summary>PFX (PKCS#12) file of the server certificate with its private key; or a PEM certificate with <see cref="CertificateKeyPath"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PFX file, or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key, when <see cref="CertificatePath"/> is a PEM certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Addresses of the TLS reverse proxies, separated by commas: only these may say which scheme and client a request had.</summary>
    public string? KnownProxies { get; set; }

    /// <summary>The public HTTPS port behind a proxy, for redirects of plain requests; 443 unless set.</summary>
    public int? HttpsPort { get; set; }

    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath);

    public bool BehindProxy => !string.IsNullOrWhiteSpace(KnownProxies);

    /// <summary>Requests arrive over TLS, at the node or at the proxy: cookies are Secure and HTTPS is enforced.</summary>
    public bool TlsOn => HasCertificate || BehindProxy;

    public IReadOnlyList<IPAddress> Proxies() =>
        [.. (KnownProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => IPAddress.TryParse(p, out var address) ? address : throw new StartupException($"OpsBoard:KnownProxies: “{p}” is not an IP address"))];

    public X509Certificate2 LoadCertificate()
    {
        var path = CertificatePath!;
        if (!File.Exists(path))
        {
            throw new StartupException($"OpsBoard:CertificatePath: no file at {Path.GetFullPath(path)}");
        }

        try
        {
            if (!string.IsNullOrWhiteSpace(CertificateKeyPath))
            {
                return string.IsNullOrEmpty(CertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, CertificateKeyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, CertificatePassword, CertificateKeyPath);
            }

            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
            return certificate.HasPrivateKey
                ? certificate
                : throw new StartupException($"OpsBoard:CertificatePath: {path} holds no private key (use a PFX with its key, or set OpsBoard:CertificateKeyPath)");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            // The password is never echoed.
            throw new StartupException($"OpsBoard:CertificatePath: {path} cannot be read ({e.Message}); check OpsBoard:CertificatePassword");
        }
    }
}
