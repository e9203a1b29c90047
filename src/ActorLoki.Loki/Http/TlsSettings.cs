using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorLoki.Loki.Http;

/// <summary>
/// The TLS side of the client: a CA file trusted instead of the system store (the chain is built
/// against it alone, and the host name must still match), a client certificate and key from PEM files
/// (mutual TLS), or no verification at all (opt-in, for tests). CA and client certificate files are
/// reloaded when they change, so rotated certificates are used by the next connection.
/// </summary>
internal sealed class TlsSettings
{
    private readonly ReloadingFile<X509Certificate2Collection>? _ca;
    private readonly ReloadingFile<X509Certificate2>? _clientCertificate;
    private readonly bool _insecure;

    public TlsSettings(LokiClientOptions options, TimeProvider time, Action<string, Exception?> reloaded)
    {
        _insecure = options.TlsInsecureSkipVerify;
        if (!string.IsNullOrEmpty(options.TlsCaFile))
        {
            _ca = new ReloadingFile<X509Certificate2Collection>(options.TlsCaFile, LoadCa, time, options.SecretRefreshInterval, reloaded);
            _ = _ca.Get();
        }

        if (!string.IsNullOrEmpty(options.TlsCertFile) && !string.IsNullOrEmpty(options.TlsKeyFile))
        {
            var keyFile = options.TlsKeyFile;
            _clientCertificate = new ReloadingFile<X509Certificate2>(options.TlsCertFile, cert => LoadClientCertificate(cert, keyFile), time, options.SecretRefreshInterval, reloaded);
            _ = _clientCertificate.Get();
        }
    }

    public void Apply(SslClientAuthenticationOptions ssl)
    {
        if (_insecure || _ca is not null)
        {
            ssl.RemoteCertificateValidationCallback = Validate;
        }

        if (_clientCertificate is not null)
        {
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => _clientCertificate.Get();
        }
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_insecure)
        {
            return true;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(_ca!.Get());
        if (chain is not null)
        {
            // Intermediates the server sent along.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return custom.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(copy);
    }

    private static X509Certificate2Collection LoadCa(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection.Count > 0 ? collection : throw new FormatException("no PEM certificate in the file");
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        // A key loaded from PEM is ephemeral; a PKCS#12 round trip gives one every platform's TLS stack can use.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
