using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Security.Authentication;
using System.Text;
using ActorLoki.Loki.Http;
using ActorLoki.Loki.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Loki;

/// <summary>
/// Pushes batches to Loki's <c>/loki/api/v1/push</c> and says what became of them. A batch goes out as
/// one or more requests (split at <c>max-request-bytes</c>), in a fixed order, one at a time; a 413 splits
/// the request in halves and sends them; a 400 counts the dropped entries and goes on with the rest; a
/// retryable or configuration failure stops and returns where a retry must resume (see
/// <see cref="PushResult.Resume"/>). The client never retries by itself: back-off is the caller's
/// (the shipper's BackoffSupervisor). Thread-safe; one <see cref="SocketsHttpHandler"/> per client.
/// </summary>
public sealed partial class LokiClient : IDisposable
{
    private const int MaxBodyRead = 64 * 1024;

    private readonly LokiClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Credentials _credentials;
    private readonly LokiMetrics _metrics;
    private readonly string _userAgent;

    public LokiClient(LokiClientOptions options, ILogger<LokiClient>? logger = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new LokiMetrics(meterFactory);
        _credentials = new Credentials(options, _time, OnFileReloaded);
        // Read credential files now, so a wrong path fails at start with the path named, not at the first push.
        _ = _credentials.Current();
        _userAgent = "actorloki/" + Version;

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // A redirect of a POST would silently become a GET; it is reported as a configuration error instead.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = true,
            // New connections now and then, so a Loki behind changing DNS records is followed.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        };
        new TlsSettings(options, _time, OnFileReloaded).Apply(handler.SslOptions);
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The client's version as sent in <c>User-Agent: actorloki/&lt;version&gt;</c>.</summary>
    public static string Version { get; } = ReadVersion();

    public LokiClientOptions Options => _options;

    /// <summary>Totals since the client was created.</summary>
    public LokiClientStatistics Statistics => _metrics.Snapshot();

    /// <summary>
    /// Pushes <paramref name="batch"/> from <paramref name="resumeFrom"/> (the start, or the
    /// <see cref="PushResult.Resume"/> of an earlier attempt). Throws only when
    /// <paramref name="cancellationToken"/> is cancelled; every answer of Loki, timeout and transport
    /// error comes back as a <see cref="PushResult"/>.
    /// </summary>
    public async Task<PushResult> PushAsync(PushBatch batch, PushCursor resumeFrom = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var cursor = resumeFrom;
        var tally = new Tally();
        var halves = new Stack<RequestPlan>();
        int? lastStatus = null;
        string? lastDetail = null;
        while ((halves.Count > 0 ? halves.Pop() : RequestPlan.Next(batch, cursor, _options.MaxRequestBytes, _options.Lines.MaxLineBytes)) is { } plan)
        {
            using var request = EncodedRequest.Encode(plan, _options.Format, _options.JsonGzip, _options.Lines);
            if (request.Entries == 0)
            {
                // Every line of this request was dropped for its length: nothing to send.
                Answered(request, tally, null);
                cursor = plan.End;
                continue;
            }

            var answer = await SendAsync(batch.Id, request, cancellationToken).ConfigureAwait(false);
            tally.Requests++;
            switch (answer.Kind)
            {
                case PushResponseKind.Success:
                    Answered(request, tally, null);
                    cursor = plan.End;
                    break;

                case PushResponseKind.Rejected:
                    var dropped = RejectionParser.Estimate(answer.Body, request);
                    LogRejected(batch.Id, answer.Status, request.Entries, FormatCounts(dropped), answer.Detail);
                    Answered(request, tally, dropped);
                    (lastStatus, lastDetail) = (answer.Status, answer.Detail);
                    cursor = plan.End;
                    break;

                case PushResponseKind.TooLarge when plan.Entries > 1:
                    var (first, second) = plan.Halve();
                    LogSplitting(batch.Id, request.Body.Length, plan.Entries);
                    halves.Push(second);
                    halves.Push(first);
                    break;

                case PushResponseKind.TooLarge:
                    LogEntryTooLarge(batch.Id, request.Body.Length, answer.Detail);
                    Answered(request, tally, new Dictionary<DropReason, int> { [DropReason.RequestTooLarge] = request.Entries });
                    (lastStatus, lastDetail) = (answer.Status, answer.Detail);
                    cursor = plan.End;
                    break;

                default:
                    return tally.Result(batch.Id, answer.Kind == PushResponseKind.Retryable ? PushOutcome.Retryable : PushOutcome.ConfigurationError, cursor) with
                    {
                        StatusCode = answer.Status,
                        RetryAfter = answer.RetryAfter,
                        Detail = answer.Detail,
                    };
            }
        }

        var outcome = tally.Dropped.Count > 0 ? PushOutcome.Rejected : PushOutcome.Success;
        return tally.Result(batch.Id, outcome, cursor) with { StatusCode = outcome == PushOutcome.Rejected ? lastStatus : 204, Detail = lastDetail };
    }

    public void Dispose()
    {
        _http.Dispose();
        _metrics.Dispose();
    }

    private void Answered(EncodedRequest request, Tally tally, Dictionary<DropReason, int>? droppedByLoki)
    {
        var changes = request.Changes;
        var dropped = droppedByLoki ?? [];
        if (changes.DroppedTooLong > 0)
        {
            dropped[DropReason.LineTooLong] = dropped.GetValueOrDefault(DropReason.LineTooLong) + changes.DroppedTooLong;
        }

        foreach (var (reason, count) in dropped)
        {
            tally.Dropped[reason] = tally.Dropped.GetValueOrDefault(reason) + count;
            _metrics.Dropped(reason, count);
        }

        var droppedByLokiCount = droppedByLoki?.Values.Sum() ?? 0;
        _metrics.Accepted(Math.Max(0, request.Entries - droppedByLokiCount));
        _metrics.Changed(changes.Truncated, changes.Repaired);
        tally.Entries += request.Plan.Entries;
        tally.Truncated += changes.Truncated;
        tally.Repaired += changes.Repaired;
    }

    private async Task<Answer> SendAsync(long batchId, EncodedRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Answer answer;
        try
        {
            using var message = BuildRequest(request);
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var kind = PushResponseClassifier.Classify(status);
            var body = kind == PushResponseKind.Success ? "" : await ReadBodyAsync(response, linked.Token).ConfigureAwait(false);
            var retryAfter = ReadRetryAfter(response);
            answer = new Answer(kind, status, retryAfter, body, Shorten(body.Length > 0 ? body : response.ReasonPhrase ?? ""), kind.ToString());
            if (status is 401 or 403)
            {
                _credentials.Invalidate();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            answer = new Answer(PushResponseKind.Retryable, null, null, "", $"no answer within {_options.Timeout.TotalSeconds:0.###}s", "timeout");
        }
        catch (HttpRequestException e) when (IsTls(e))
        {
            answer = new Answer(PushResponseKind.ConfigurationError, null, null, "", "TLS: " + Shorten(Describe(e)), "tls");
        }
        catch (HttpRequestException e)
        {
            answer = new Answer(PushResponseKind.Retryable, null, null, "", "transport: " + Shorten(Describe(e)), "transport");
        }
        catch (UnreadableFileException e)
        {
            // A credential file that never loaded: a person must fix the Secret or the path.
            answer = new Answer(PushResponseKind.ConfigurationError, null, null, "", Shorten(e.Message), "credentials");
        }

        var elapsed = _time.GetElapsedTime(started);
        _metrics.Request(answer.Outcome, request.Body.Length, elapsed);
        switch (answer.Kind)
        {
            case PushResponseKind.Success:
                LogPushed(batchId, request.Entries, request.Body.Length, elapsed.TotalMilliseconds);
                break;
            case PushResponseKind.Retryable:
                LogRetryable(batchId, answer.Status, answer.RetryAfter?.TotalSeconds, answer.Detail);
                break;
            case PushResponseKind.ConfigurationError:
                LogConfigurationError(batchId, answer.Status, Hint(answer.Status, answer.Outcome), answer.Detail);
                break;
        }

        return answer;
    }

    /// <summary>
    /// Sends an empty push (<c>{"streams":[]}</c>) with the client's URL, credentials, tenant, headers and TLS.
    /// Loki answers it as any push — 204, or 401, 403, 404 — and stores nothing: a check that the shipper
    /// could push, without writing to Loki. Returns the status and the start of the answer's body.
    /// </summary>
    public async Task<(int Status, string Body)> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var content = new ReadOnlyMemoryContent("""{"streams":[]}"""u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = NewRequest(content);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        var body = response.IsSuccessStatusCode ? string.Empty : await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
        return ((int)response.StatusCode, Shorten(body));
    }

    private HttpRequestMessage BuildRequest(EncodedRequest request)
    {
        var content = new ReadOnlyMemoryContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
        if (request.ContentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(request.ContentEncoding);
        }

        return NewRequest(content);
    }

    private HttpRequestMessage NewRequest(HttpContent content)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, _options.Url)
        {
            Content = content,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        message.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        if (!string.IsNullOrEmpty(_options.TenantId))
        {
            message.Headers.TryAddWithoutValidation("X-Scope-OrgID", _options.TenantId);
        }

        message.Headers.Authorization = _credentials.Current();
        foreach (var (name, value) in _options.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxBodyRead];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            return Encoding.UTF8.GetString(buffer, 0, read).TrimEnd();
        }
    }

    private TimeSpan? ReadRetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                var delay = date - _time.GetUtcNow();
                return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
            }
        }

        return response.Headers.TryGetValues("Retry-After", out var values)
            ? PushResponseClassifier.ParseRetryAfter(values.FirstOrDefault(), _time.GetUtcNow())
            : null;
    }

    private string Shorten(string text)
    {
        text = _credentials.Redact(text);
        return text.Length <= _options.MaxDetailChars ? text : string.Concat(text.AsSpan(0, _options.MaxDetailChars), "…");
    }

    private static bool IsTls(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;

    private static string Describe(Exception e) =>
        e.InnerException is { } inner ? $"{e.Message} ({inner.GetType().Name}: {inner.Message})" : e.Message;

    private static string Hint(int? status, string outcome) => status switch
    {
        401 => "Loki (or the proxy in front of it) refused the credentials: check basic-auth-username/basic-auth-password-file or bearer-token-file",
        403 => "the credentials are not allowed to push for this tenant: check tenant-id and the proxy's permissions",
        404 or 405 => "nothing accepts pushes at this URL: check that actorloki.loki.url ends with /loki/api/v1/push",
        501 => "the server does not implement pushes at this URL: check actorloki.loki.url",
        >= 300 and < 400 => "the URL redirects; set actorloki.loki.url to the final URL",
        null when outcome == "tls" => "the TLS handshake failed: check tls-ca-file, tls-cert-file/tls-key-file, and that the URL's host name is in Loki's certificate",
        null => "a credential file could not be read",
        _ => "Loki refused the request; it is retried at the longest back-off until the configuration is fixed",
    };

    private static string FormatCounts(Dictionary<DropReason, int> dropped) =>
        string.Join(", ", dropped.Select(d => $"{d.Key.Tag()}={d.Value}"));

    private void OnFileReloaded(string path, Exception? failure)
    {
        if (failure is null)
        {
            LogFileReloaded(path);
        }
        else
        {
            LogFileUnreadable(path, failure.GetType().Name, failure.Message);
        }
    }

    private static string ReadVersion()
    {
        var version = typeof(LokiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? version[..plus] : version;
    }

    /// <summary>One HTTP answer (or its absence), classified.</summary>
    private readonly record struct Answer(PushResponseKind Kind, int? Status, TimeSpan? RetryAfter, string Body, string Detail, string Cause)
    {
        public string Outcome => Status is null ? Cause : Kind switch
        {
            PushResponseKind.Success => "success",
            PushResponseKind.Retryable => "retryable",
            PushResponseKind.TooLarge => "too_large",
            PushResponseKind.Rejected => "rejected",
            _ => "configuration_error",
        };
    }

    private sealed class Tally
    {
        public Dictionary<DropReason, int> Dropped { get; } = [];

        public int Requests { get; set; }

        public int Entries { get; set; }

        public int Truncated { get; set; }

        public int Repaired { get; set; }

        public PushResult Result(long batchId, PushOutcome outcome, PushCursor resume) => new()
        {
            BatchId = batchId,
            Outcome = outcome,
            Resume = resume,
            Requests = Requests,
            EntriesAnswered = Entries,
            Dropped = Dropped,
            Truncated = Truncated,
            Repaired = Repaired,
        };
    }
}
