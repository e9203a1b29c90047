namespace ActorLoki.Check;

/// <summary>What Loki's answer to a push means, and what to do about it (docs/troubleshooting.md, in a line).</summary>
internal static class LokiAnswer
{
    /// <summary>Marks a detail that is about a file of the loki settings (credentials, certificates), not about Loki's answer.</summary>
    public const string CredentialsPrefix = "credentials: ";

    public static Diagnosis Explain(int? status, string detail)
    {
        var said = detail.Length > 0 ? $": {detail}" : "";
        return status switch
        {
            400 => new($"400 Bad Request{said}", [Reason400(detail)]),
            401 => new($"401 Unauthorized{said}", [
                "Loki, or the proxy in front of it, refused the credentials: check loki.basic-auth-username with loki.basic-auth-password-file, or loki.bearer-token-file",
                "a multi-tenant Loki answers 401 \"no org id\" without a tenant: set loki.tenant-id",
            ]),
            403 => new($"403 Forbidden{said}", ["the credentials are valid but may not push for this tenant: check loki.tenant-id and the proxy's permissions"]),
            404 or 405 => new($"{status} {(status == 404 ? "Not Found" : "Method Not Allowed")}{said}", ["nothing accepts pushes at this URL: loki.url must end with /loki/api/v1/push (a base URL such as http://loki:3100 gets it added)"]),
            413 => new($"413 Request Entity Too Large{said}", ["a proxy in front of Loki limits request bodies: lower loki.max-request-bytes below its limit"]),
            429 => new($"429 Too Many Requests{said}", [
                "Loki is up and accepts these credentials, but this tenant is over its rate or stream limits now; the shipper waits and retries",
                "raise limits_config.ingestion_rate_mb / ingestion_burst_size_mb or per_stream_rate_limit in Loki, or make fewer streams (labels.pod-as-structured-metadata = true)",
            ]),
            >= 300 and < 400 => new($"{status} redirect{said}", ["the URL redirects: set loki.url to where it leads (pushes are not redirected)"]),
            >= 500 => new($"{status} server error{said}", ["Loki or the proxy in front of it is failing; the shipper retries with back-off, but check Loki's health"]),
            null when detail.StartsWith("TLS", StringComparison.Ordinal) => new(detail, ["check loki.tls-ca-file, loki.tls-cert-file and loki.tls-key-file, and that the URL's host name is in Loki's certificate"]),
            null when detail.StartsWith(CredentialsPrefix, StringComparison.Ordinal) => new(detail[CredentialsPrefix.Length..], [
                "a file the loki settings name cannot be read: mount the Secret that holds it at that path (the base Deployment mounts the Secret actorloki-loki at /var/run/secrets/loki)",
            ]),
            null => new($"no answer: {detail}", ["check the URL's host and port, DNS, and network policies that may block egress to Loki"]),
            _ => new($"{status}{said}", ["Loki refused the request; see its message"]),
        };
    }

    /// <summary>Loki names why it refused entries; each reason has its own remedy.</summary>
    private static string Reason400(string detail) =>
        detail.Contains("too_far_in_future", StringComparison.Ordinal) || detail.Contains("too far in the future", StringComparison.OrdinalIgnoreCase)
            ? "the line was stamped too far in the future for Loki (creation_grace_period): this machine's clock is ahead; fix the clock"
        : detail.Contains("greater_than_max_sample_age", StringComparison.Ordinal) || detail.Contains("too old", StringComparison.OrdinalIgnoreCase)
            ? "the line is older than Loki's reject_old_samples_max_age: this machine's clock is behind; fix the clock"
        : detail.Contains("structured", StringComparison.OrdinalIgnoreCase)
            ? "Loki refuses structured metadata (allow_structured_metadata) or its size: set labels.pod-as-structured-metadata = false, or allow it in Loki"
        : detail.Contains("label", StringComparison.OrdinalIgnoreCase)
            ? "Loki refused the labels: reduce labels.static and labels.from-pod-labels (at most limits_config.max_label_names_per_series, 15 by default)"
            : "Loki validated the request and refused it (a 400 is never retried); its message says why";
}
