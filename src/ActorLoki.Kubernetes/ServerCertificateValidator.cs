using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorLoki.Kubernetes;

/// <summary>
/// Checks the API server's certificate as client-go does with a CA bundle: the chain must end at one of the
/// configured roots (and only those), and the leaf must be issued for the expected name — the server's host, or
/// <c>tls-server-name</c> when set. Both checks are made here, whatever errors the platform reported, so a
/// certificate for another name is never accepted because its chain needed a custom root. The reason of the last
/// refusal is kept so the failed request can say it.
/// </summary>
internal sealed class ServerCertificateValidator(X509Certificate2Collection authorities, string expectedName)
{
    private string? _lastFailure;

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var failure = Check(certificate);
        if (failure is not null)
        {
            Volatile.Write(ref _lastFailure, failure);
        }

        return failure is null;
    }

    private string? Check(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return "the server sent no certificate";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        if (!chain.Build(leaf))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
            return $"its certificate ({leaf.Subject}) is not issued by the configured certificate authority ({status})";
        }

        // Names only from subjectAltName, as Go has done since 1.15: the common name is not a host name.
        if (!leaf.MatchesHostname(expectedName, allowWildcards: true, allowCommonName: false))
        {
            return $"its certificate is for {Names(leaf)}, not for {expectedName}; connect to a name the certificate holds, or set tls-server-name in the kubeconfig's cluster";
        }

        return null;
    }

    private static string Names(X509Certificate2 leaf)
    {
        var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToList();
        return names.Count > 0 ? string.Join(", ", names) : $"no name ({leaf.Subject})";
    }
}
