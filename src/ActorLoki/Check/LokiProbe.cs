using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Check;

/// <summary>
/// <c>actorloki check --dry-run</c>'s Loki probe: a push request with no streams, sent with the configured URL,
/// tenant, headers, credentials and TLS settings. Loki authenticates it, resolves the tenant, and answers 204
/// without storing anything; a proxy in front checks its credentials the same way. The Loki client only sends
/// batches with entries, hence this small request of its own.
/// </summary>
internal static class LokiProbe
{
    private const string EmptyPush = """{"streams":[]}""";

    /// <summary>The HTTP status and the start of the body (empty on success).</summary>
    public static async Task<(int Status, string Body)> SendEmptyPushAsync(LokiSettings loki, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        ConfigureTls(loki, handler.SslOptions);
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, loki.Url) { Content = new StringContent(EmptyPush, Encoding.UTF8, "application/json") };
        if (loki.TenantId.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("X-Scope-OrgID", loki.TenantId);
        }

        foreach (var (name, value) in loki.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Authorization = Authorization(loki);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, body.Length > 300 ? body[..300] + "…" : body.Trim());
    }

    private static AuthenticationHeaderValue? Authorization(LokiSettings loki)
    {
        // As the Loki client reads them: the whole file, without the newline an editor or `echo` leaves.
        if (loki.BasicAuthUsername.Length > 0 && loki.BasicAuthPasswordFile.Length > 0)
        {
            var password = File.ReadAllText(loki.BasicAuthPasswordFile).Trim();
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{loki.BasicAuthUsername}:{password}")));
        }

        return loki.BearerTokenFile.Length > 0 ? new AuthenticationHeaderValue("Bearer", File.ReadAllText(loki.BearerTokenFile).Trim()) : null;
    }

    private static void ConfigureTls(LokiSettings loki, SslClientAuthenticationOptions ssl)
    {
        if (loki.TlsCertFile.Length > 0 && loki.TlsKeyFile.Length > 0)
        {
            using var pem = X509Certificate2.CreateFromPemFile(loki.TlsCertFile, loki.TlsKeyFile);
            ssl.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }

        if (loki.TlsInsecureSkipVerify)
        {
#pragma warning disable CA5359 // The user asked for tls-insecure-skip-verify; the check uses what the shipper would.
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (loki.TlsCaFile.Length > 0)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(loki.TlsCaFile);
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return chain.Build(leaf);
            };
        }
    }
}
