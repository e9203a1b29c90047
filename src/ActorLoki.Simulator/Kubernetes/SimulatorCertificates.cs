using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// A throw-away certificate authority for the simulator's TLS mode: it signs the server certificate
/// (for 127.0.0.1, localhost and kubernetes.default.svc unless told other names) and client certificates, all in memory.
/// </summary>
public sealed class SimulatorCertificates : IDisposable
{
    private readonly X509Certificate2 _authority;

    /// <summary>The names the server certificate holds by default.</summary>
    public static readonly IReadOnlyList<string> DefaultServerNames = ["127.0.0.1", "localhost", "kubernetes.default.svc"];

    public SimulatorCertificates(TimeProvider? timeProvider = null, IReadOnlyList<string>? serverNames = null)
    {
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=actorloki-simulator-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        _authority = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in serverNames ?? DefaultServerNames)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(name);
            }
        }
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serverPublic = serverRequest.Create(_authority, now.AddDays(-1), now.AddDays(30), RandomSerial());
        ServerCertificate = serverPublic.CopyWithPrivateKey(serverKey);
    }

    /// <summary>The CA certificate, for a client's trust store (kubeconfig <c>certificate-authority-data</c>).</summary>
    public X509Certificate2 Authority => _authority;

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA certificate in PEM.</summary>
    public string AuthorityPem => _authority.ExportCertificatePem();

    /// <summary>Issues a client certificate for <paramref name="user"/> (its CN; groups as O), as PEM certificate and key.</summary>
    public (string CertificatePem, string KeyPem) IssueClientCertificate(string user, params string[] groups)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = "CN=" + user + string.Concat(groups.Select(g => ", O=" + g));
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(_authority, now.AddDays(-1), now.AddDays(30), RandomSerial());
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>True when <paramref name="certificate"/> was issued by this authority.</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(_authority);
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        _authority.Dispose();
        ServerCertificate.Dispose();
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(12);
}
