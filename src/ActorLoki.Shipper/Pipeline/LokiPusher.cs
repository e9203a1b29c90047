using ActorLoki.Actors;
using ActorLoki.Actors.Pattern;
using ActorLoki.Loki;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Pipeline;

/// <summary>
/// Pushes one batch at a time and says how it went. A retryable answer (429, 5xx, timeout, transport
/// error) or a configuration error (401, 403, 404) makes it fail after telling the batcher where the
/// attempt stopped: its <see cref="BackoffSupervisor"/> restarts it after an exponential, jittered delay —
/// at least Loki's <c>Retry-After</c>, and the maximum delay for a configuration error — and the restarted
/// pusher asks the batcher, which gives it the same batch again. A success resets the back-off.
/// </summary>
public sealed partial class LokiPusher : ReceiveActor
{
    private readonly LokiClient _client;
    private readonly IActorRef _batcher;
    private readonly TimeSpan _maxBackoff;
    private readonly int _restarts;

    public LokiPusher(LokiClient client, IActorRef batcher, TimeSpan maxBackoff, int restarts)
    {
        _client = client;
        _batcher = batcher;
        _maxBackoff = maxBackoff;
        _restarts = restarts;
        ReceiveAsync<Batcher.PushWork>(PushAsync);
    }

    /// <summary>The pusher under its back-off supervisor, named <c>push</c>/<c>pusher</c>.</summary>
    public static Props SupervisedProps(LokiClient client, IActorRef batcher, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor) =>
        BackoffSupervisor.Props(
            Backoff.OnFailure(restarts => Props(client, batcher, maxBackoff, restarts), "pusher", minBackoff, maxBackoff, randomFactor, maxNrOfRetries: -1)
                .WithManualReset());

    public static Props Props(LokiClient client, IActorRef batcher, TimeSpan maxBackoff, int restarts) =>
        Actors.Props.Create(() => new LokiPusher(client, batcher, maxBackoff, restarts));

    protected override void PreStart() => _batcher.Tell(Batcher.RequestWork.Instance, Self);

    private async Task PushAsync(Batcher.PushWork work)
    {
        PushResult result;
        try
        {
            result = await _client.PushAsync(work.Batch, work.Resume, Context.LifetimeToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not an answer from Loki but a fault of our own (out of memory, a bug): the back-off supervisor
            // restarts the pusher with the same batch, and the cause must not stay silent.
            LogPushCrashed(Context.Log, e, work.Batch.Id, work.Attempt);
            throw;
        }

        if (result.IsFinal)
        {
            _batcher.Tell(new Batcher.PushCompleted(work.Batch.Id, result), Self);
            if (_restarts > 0 || work.Attempt > 1)
            {
                Context.Parent.Tell(BackoffSupervisor.Reset.Instance, Self);
            }

            _batcher.Tell(Batcher.RequestWork.Instance, Self);
            return;
        }

        _batcher.Tell(new Batcher.PushFailed(work.Batch.Id, result), Self);
        // The Loki client has logged the answer (6002, 6004); the back-off supervisor logs the restart (1101-1104).
        var retryAfter = result.Outcome == PushOutcome.ConfigurationError ? _maxBackoff : result.RetryAfter;
        throw new PushFailedException(result, retryAfter);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Pushing batch {BatchId} (attempt {Attempt}) failed with an unexpected error; the pusher restarts after a back-off and retries it")]
    private static partial void LogPushCrashed(ILogger logger, Exception exception, long batchId, int attempt);
}

/// <summary>A push that must be retried; its <see cref="RetryAfter"/> lengthens the back-off supervisor's next delay.</summary>
public sealed class PushFailedException : Exception, IRetryAfter
{
    public PushFailedException(PushResult result, TimeSpan? retryAfter)
        : base(Describe(result))
    {
        Result = result;
        RetryAfter = retryAfter;
    }

    public PushFailedException()
        : this("push failed")
    {
    }

    public PushFailedException(string message)
        : base(message) => Result = new PushResult { BatchId = 0, Outcome = PushOutcome.Retryable };

    public PushFailedException(string message, Exception innerException)
        : base(message, innerException) => Result = new PushResult { BatchId = 0, Outcome = PushOutcome.Retryable };

    public PushResult Result { get; }

    public TimeSpan? RetryAfter { get; }

    private static string Describe(PushResult result) => result.Outcome == PushOutcome.ConfigurationError
        ? $"Loki refused the push as misconfigured ({result.StatusCode}): {result.Detail}"
        : result.StatusCode is { } status ? $"Loki answered {status}: {result.Detail}" : $"push failed: {result.Detail}";
}
