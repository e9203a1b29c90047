using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorLoki.Simulator.Loki;

/// <summary>
/// A Loki-compatible receiver on Kestrel (127.0.0.1 only). <c>POST /loki/api/v1/push</c> decodes
/// protobuf+snappy and JSON (+gzip) as Loki does, validates as Loki's distributor and ingester do and
/// answers with their status codes and messages: 204, or 400 with the reasons after storing the valid
/// streams (partial acceptance), 401 without a tenant when one is required. <c>GET
/// /loki/api/v1/query_range</c> reads streams back in Loki's JSON. Faults can be armed through
/// <see cref="Faults"/>, and the receiver can go down (stop listening) and come back on the same port.
/// </summary>
/// <remarks>
/// Going down disposes the Kestrel server, so connections are refused as with a Loki that is down; the
/// stored streams stay. Coming up listens on the same port again; another process could in principle
/// take the port in between (it is a free port picked at the first start), which no test relies on.
/// </remarks>
public sealed class LokiReceiver : IAsyncDisposable
{
    private const string PushPath = "/loki/api/v1/push";
    private const string NoTenantMessage = "no org id";

    private readonly LokiReceiverOptions _options;
    private readonly LokiStore _store;
    private readonly LokiValidator _validator;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private CancellationTokenSource _generation = new();
    private LoopbackServer? _server;
    private Uri? _baseAddress;

    public LokiReceiver(LokiReceiverOptions? options = null)
    {
        _options = options ?? new LokiReceiverOptions();
        _store = new LokiStore(_options);
        _validator = new LokiValidator(_options, _store);
        Faults = new LokiFaults(_options.Time);
    }

    /// <summary>The faults to show; empty by default.</summary>
    public LokiFaults Faults { get; }

    /// <summary>The server's address once started with <see cref="StartAsync"/>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The receiver has no server of its own; start it with StartAsync.");

    /// <summary><c>http://127.0.0.1:PORT/loki/api/v1/push</c>.</summary>
    public Uri PushUrl => new(BaseAddress, PushPath.TrimStart('/'));

    public bool IsUp => _server is not null;

    public LokiReceiverStatistics Statistics => _store.Statistics();

    /// <summary>Starts a receiver with a server of its own on 127.0.0.1 and a free port.</summary>
    public static async Task<LokiReceiver> StartAsync(LokiReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        var receiver = new LokiReceiver(options);
        await receiver.ComeUpAsync(cancellationToken).ConfigureAwait(false);
        return receiver;
    }

    /// <summary>Adds the receiver's routes to another app (to share one server; going down is then not available).</summary>
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost(PushPath, PushAsync);
        endpoints.MapGet("/loki/api/v1/query_range", QueryRangeAsync);
        endpoints.MapGet("/loki/api/v1/query", InstantQueryAsync);
        endpoints.MapGet("/ready", () => "ready");
    }

    /// <summary>The streams stored (copies), ordered by tenant and labels; one tenant's when given.</summary>
    public IReadOnlyList<ReceivedStream> Streams(string? tenant = null) => _store.Snapshot(tenant);

    /// <summary>Completes when at least <paramref name="count"/> entries have been stored in total.</summary>
    public Task WaitForEntriesAsync(long count, CancellationToken cancellationToken = default) => _store.WaitForEntriesAsync(count, cancellationToken);

    /// <summary>Completes when at least <paramref name="count"/> push requests have been answered (or reset, or hung).</summary>
    public Task WaitForRequestsAsync(long count, CancellationToken cancellationToken = default) => _store.WaitForRequestsAsync(count, cancellationToken);

    /// <summary>Stops listening: new connections are refused; requests in progress are aborted.</summary>
    public async Task GoDownAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopServerAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again, on the same port as before.</summary>
    public async Task ComeUpAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_server is not null)
            {
                return;
            }

            _server = await LoopbackServer.StartAsync(app => Map(app), _baseAddress?.Port ?? 0, cancellationToken: cancellationToken).ConfigureAwait(false);
            _baseAddress = _server.BaseAddress;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Goes down now and comes up after <paramref name="window"/> on the receiver's clock; completes when up again.</summary>
    public async Task GoDownForAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        await GoDownAsync().ConfigureAwait(false);
        await Task.Delay(window, _options.Time, cancellationToken).ConfigureAwait(false);
        await ComeUpAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await GoDownAsync().ConfigureAwait(false);
        await _generation.CancelAsync().ConfigureAwait(false);
        _generation.Dispose();
        _lifecycle.Dispose();
    }

    private async Task StopServerAsync()
    {
        // Hung and slow requests end first, so stopping Kestrel does not wait for them.
        var generation = _generation;
        _generation = new CancellationTokenSource();
        await generation.CancelAsync().ConfigureAwait(false);
        generation.Dispose();
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task PushAsync(HttpContext context)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _generation.Token);
        var body = await ReadBodyAsync(context.Request, abort.Token).ConfigureAwait(false);
        switch (Faults.Take(body.Length))
        {
            case LokiFault.SlowFault slow:
                if (!await DelayAsync(slow.Delay, abort.Token).ConfigureAwait(false))
                {
                    _store.Answered(0);
                    return;
                }

                break;
            case LokiFault.StatusFault status:
                if (status.RetryAfter is not null)
                {
                    context.Response.Headers.RetryAfter = status.RetryAfter;
                }

                await AnswerAsync(context, status.StatusCode, status.Body ?? DefaultBody(status.StatusCode)).ConfigureAwait(false);
                return;
            case LokiFault.TooLargeFault tooLarge:
                await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, $"request body too large: {body.Length} bytes, limit: {tooLarge.MaxBodyBytes} bytes").ConfigureAwait(false);
                return;
            case LokiFault.HangFault:
                _store.Answered(0);
                await DelayAsync(Timeout.InfiniteTimeSpan, abort.Token).ConfigureAwait(false);
                context.Abort();
                return;
            case LokiFault.ResetFault:
                _store.Answered(0);
                context.Abort();
                return;
        }

        if (Tenant(context) is not { } tenant)
        {
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, NoTenantMessage).ConfigureAwait(false);
            return;
        }

        List<IncomingStream> streams;
        try
        {
            streams = PushDecoder.Decode(body, context.Request.ContentType, context.Request.Headers.ContentEncoding.ToString());
        }
        catch (FormatException e)
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return;
        }

        var (valid, errors) = _validator.Validate(streams);
        var ingesterError = valid.Count > 0 ? _store.Append(tenant, valid) : null;
        if ((ingesterError ?? errors) is { } message)
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, message).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        _store.Answered(StatusCodes.Status204NoContent);
    }

    private async Task QueryRangeAsync(HttpContext context)
    {
        if (Tenant(context) is not { } tenant)
        {
            await WriteTextAsync(context, StatusCodes.Status401Unauthorized, NoTenantMessage).ConfigureAwait(false);
            return;
        }

        var parameters = context.Request.Query;
        LogQuery query;
        long start, end;
        int limit;
        bool forward;
        try
        {
            query = LogQuery.Parse(parameters["query"].ToString());
            limit = string.IsNullOrEmpty(parameters["limit"]) ? 100 : int.Parse(parameters["limit"].ToString(), CultureInfo.InvariantCulture);
            if (limit <= 0)
            {
                throw new FormatException("limit must be a positive value");
            }

            if (limit > _options.MaxEntriesLimitPerQuery)
            {
                throw new FormatException($"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {_options.MaxEntriesLimitPerQuery})");
            }

            forward = parameters["direction"].ToString().ToUpperInvariant() switch
            {
                "" or "BACKWARD" => false,
                "FORWARD" => true,
                var other => throw new FormatException($"invalid direction '{other.ToLowerInvariant()}'"),
            };
            end = LogQuery.ParseTime(parameters["end"], GoText.ToNanos(_options.Time.GetUtcNow()));
            start = LogQuery.ParseTime(parameters["start"], end - (3600L * 1_000_000_000));
        }
        catch (FormatException e)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return;
        }

        var streams = _store.Select(tenant, query.Matches, start, end);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        LogQuery.Answer(json, streams, query, limit, forward);
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static Task InstantQueryAsync(HttpContext context) =>
        WriteTextAsync(context, StatusCodes.Status400BadRequest, "log queries are not supported as an instant query type, please change your query to a range query type");

    private string? Tenant(HttpContext context)
    {
        var tenant = context.Request.Headers["X-Scope-OrgID"].ToString();
        return tenant.Length > 0 ? tenant : _options.RequireTenant ? null : "fake";
    }

    private async Task AnswerAsync(HttpContext context, int status, string message)
    {
        _store.Answered(status);
        await WriteTextAsync(context, status, message).ConfigureAwait(false);
    }

    private static async Task WriteTextAsync(HttpContext context, int status, string message)
    {
        // As Go's http.Error: plain text and a newline.
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private static string DefaultBody(int status) => status switch
    {
        429 => "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest lines, reduce log volume or contact your Loki administrator to see if the limit can be increased",
        401 => "no org id",
        403 => "forbidden",
        404 => "404 page not found",
        503 => "Service Unavailable",
        _ => $"simulated error {status}",
    };

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _options.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is { } length and < int.MaxValue ? (int)length : 4096);
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
