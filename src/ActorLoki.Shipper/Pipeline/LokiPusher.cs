using ActorLoki.Loki;
using ActorLoki.Shipper.Actors;
using Akka.Actor;
using Akka.Pattern;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Pipeline;

/// <summary>
/// Pushes one batch at a time and says how it went. A retryable answer (429, 5xx, timeout, transport
/// error) makes it fail after telling the batcher where the attempt stopped: its Akka
/// <see cref="BackoffSupervisor"/> starts a new pusher after an exponential, jittered delay, and the new
/// pusher asks the batcher, which gives it the same batch again.
/// </summary>
/// <remarks>
/// Akka's back-off supervisor has no per-failure delay, so an answer that says when to come back is not a
/// failure: with <c>Retry-After</c> (429, 503) the pusher itself waits that long plus jitter
/// (<c>Retry-After·(1 + random·random-factor)</c>) before it asks for the batch again, and a configuration
/// error (401, 403, 404) waits the maximum back-off the same way. A new pusher that has been working for
/// the auto-reset period without failing resets the back-off.
/// </remarks>
public sealed partial class LokiPusher : ShipperActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly LokiClient _client;
    private readonly IActorRef _batcher;
    private readonly TimeSpan _maxBackoff;
    private readonly double _randomFactor;

    public LokiPusher(LokiClient client, IActorRef batcher, TimeSpan maxBackoff, double randomFactor)
    {
        _client = client;
        _batcher = batcher;
        _maxBackoff = maxBackoff;
        _randomFactor = randomFactor;
        Ready();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The pusher under its back-off supervisor, named <c>push</c>/<c>pusher</c>.</summary>
    /// <param name="resetAfter">How long a new pusher must work without failing before the back-off starts again from <paramref name="minBackoff"/>.</param>
    public static Props SupervisedProps(LokiClient client, IActorRef batcher, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, TimeSpan resetAfter) =>
        BackoffSupervisor.Props(
            Backoff.OnFailure(Props(client, batcher, maxBackoff, randomFactor), "pusher", minBackoff, maxBackoff, randomFactor, maxNrOfRetries: -1)
                .WithAutoReset(resetAfter));

    public static Props Props(LokiClient client, IActorRef batcher, TimeSpan maxBackoff, double randomFactor) =>
        Akka.Actor.Props.Create(() => new LokiPusher(client, batcher, maxBackoff, randomFactor));

    /// <summary>
    /// The auto-reset period for a Loki request timeout: twice the timeout plus the minimum back-off, so that
    /// a pusher whose every attempt times out still counts as failing and its back-off grows.
    /// </summary>
    public static TimeSpan ResetAfter(TimeSpan requestTimeout, TimeSpan minBackoff) => requestTimeout + requestTimeout + minBackoff;

    /// <summary>The wait after an answer that names one: <paramref name="wait"/>·(1 + random·<paramref name="randomFactor"/>).</summary>
    public static TimeSpan WithJitter(TimeSpan wait, double randomFactor) =>
        TimeSpan.FromTicks((long)(wait.Ticks * (1 + (Random.Shared.NextDouble() * randomFactor))));

    protected override void PreStart() => _batcher.Tell(Batcher.RequestWork.Instance, Self);

    private void Ready() => ReceiveAsync<Batcher.PushWork>(PushAsync);

    private void WaitingToRetry() => Receive<RetryDue>(_ =>
    {
        Become(Ready);
        _batcher.Tell(Batcher.RequestWork.Instance, Self);
    });

    private async Task PushAsync(Batcher.PushWork work)
    {
        PushResult result;
        try
        {
            result = await _client.PushAsync(work.Batch, work.Resume, LifetimeToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not an answer from Loki but a fault of our own (out of memory, a bug): the back-off supervisor
            // starts a new pusher with the same batch, and the cause must not stay silent.
            LogPushCrashed(Log, e, work.Batch.Id, work.Attempt);
            CountBackoffRestart();
            throw;
        }

        if (result.IsFinal)
        {
            _batcher.Tell(new Batcher.PushCompleted(work.Batch.Id, result), Self);
            _batcher.Tell(Batcher.RequestWork.Instance, Self);
            return;
        }

        var named = result.Outcome == PushOutcome.ConfigurationError ? _maxBackoff : result.RetryAfter;
        if (named is { } wait)
        {
            // Loki said when (or the configuration must be fixed first): wait that long, not the back-off's delay.
            var delay = WithJitter(wait, _randomFactor);
            LogWaiting(Log, work.Batch.Id, delay);
            Timers.StartSingleTimer(RetryTimer, RetryDue.Instance, delay);
            Become(WaitingToRetry);
            _batcher.Tell(new Batcher.PushFailed(work.Batch.Id, result), Self);
            return;
        }

        // The Loki client has logged the answer (6002, 6004); Akka's back-off supervisor logs the failure.
        _batcher.Tell(new Batcher.PushFailed(work.Batch.Id, result), Self);
        CountBackoffRestart();
        throw new PushFailedException(result);
    }

    private void CountBackoffRestart() =>
        Services.Inspection.BackoffRestarts.Add(1, new KeyValuePair<string, object?>("kind", nameof(LokiPusher)));

    private sealed record RetryDue
    {
        public static readonly RetryDue Instance = new();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Pushing batch {BatchId} (attempt {Attempt}) failed with an unexpected error; the pusher restarts after a back-off and retries it")]
    private static partial void LogPushCrashed(ILogger logger, Exception exception, long batchId, int attempt);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Batch {BatchId} is pushed again in {Delay}, as Loki asked (Retry-After) or its configuration needs")]
    private static partial void LogWaiting(ILogger logger, long batchId, TimeSpan delay);
}

/// <summary>A push that must be retried; Akka's back-off supervisor decides when.</summary>
public sealed class PushFailedException : Exception
{
    public PushFailedException(PushResult result)
        : base(Describe(result)) => Result = result;

    public PushFailedException()
        : this("push failed")
    {
    }

    public PushFailedException(string message)
        : base(message) => Result = new PushResult { BatchId = 0, Outcome = PushOutcome.Retryable };

    public PushFailedException(string message, Exception innerException)
        : base(message, innerException) => Result = new PushResult { BatchId = 0, Outcome = PushOutcome.Retryable };

    public PushResult Result { get; }

    private static string Describe(PushResult result) => result.StatusCode is { } status ? $"Loki answered {status}: {result.Detail}" : $"push failed: {result.Detail}";
}
