using System.Threading.Channels;
using ActorLoki.Actors;
using Xunit.Sdk;

namespace ActorLoki.Testing;

/// <summary>
/// An actor whose messages a test inspects: tell it things, expect what it received. Waits are awaitable
/// (no polling) and bounded by dilated timeouts on the real clock, also when the system runs on manual time.
/// </summary>
public sealed class TestProbe
{
    private readonly Channel<(object Message, IActorRef Sender)> _inbox = Channel.CreateUnbounded<(object, IActorRef)>();
    private readonly Stack<(object Message, IActorRef Sender)> _pushedBack = new();
    private readonly HashSet<IActorRef> _watched = [];

    internal TestProbe(ActorSystem system, string? name)
    {
        Ref = system.SystemActorOf(Props.Create(() => new ProbeActor(this)), name);
    }

    public IActorRef Ref { get; }

    /// <summary>The sender of the last message received (dead letters when it had none).</summary>
    public IActorRef? LastSender { get; private set; }

    public object? LastMessage { get; private set; }

    public void Tell(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, Ref);
    }

    /// <summary>Replies to the sender of the last message received, with this probe as sender.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new InvalidOperationException("No message received yet.")).Tell(message, Ref);

    /// <summary>Sends the last message received to <paramref name="target"/> with its original sender.</summary>
    public void Forward(IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(LastMessage ?? throw new InvalidOperationException("No message received yet."), LastSender);
    }

    /// <summary>The probe will receive <see cref="Terminated"/> when <paramref name="actor"/> stops (at once if it has).</summary>
    public void Watch(IActorRef actor)
    {
        lock (_watched)
        {
            _watched.Add(actor);
        }

        Ref.Tell(new WatchCommand(actor, true), null);
    }

    public void Unwatch(IActorRef actor)
    {
        lock (_watched)
        {
            _watched.Remove(actor);
        }

        Ref.Tell(new WatchCommand(actor, false), null);
    }

    /// <summary>The next message, whatever it is.</summary>
    public async Task<object> ReceiveOneAsync(TimeSpan? timeout = null)
    {
        var wait = Wait(timeout);
        var (message, _) = await Next(wait, $"a message within {wait}");
        return message;
    }

    /// <summary>The next message must be a <typeparamref name="T"/> (matching <paramref name="predicate"/>).</summary>
    public async Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var wait = Wait(timeout);
        var (message, _) = await Next(wait, $"a {typeof(T).Name} within {wait}");
        if (message is T typed && (predicate is null || predicate(typed)))
        {
            return typed;
        }

        throw new XunitException($"Expected a {typeof(T).Name}{(predicate is null ? "" : " matching the predicate")} but received {Describe(message)}.");
    }

    /// <summary>The next message must equal <paramref name="expected"/>.</summary>
    public Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull =>
        ExpectMsgAsync<T>(m => EqualityComparer<T>.Default.Equals(m, expected), timeout);

    /// <summary>No message may arrive during <paramref name="duration"/> (not dilated when given).</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null)
    {
        if (_pushedBack.TryPeek(out var pending))
        {
            throw new XunitException($"Expected no message but received {Describe(pending.Message)}.");
        }

        using var quiet = new CancellationTokenSource(duration ?? TestKitSettings.DefaultNoMessageDuration);
        try
        {
            var (message, _) = await _inbox.Reader.ReadAsync(quiet.Token);
            throw new XunitException($"Expected no message but received {Describe(message)}.");
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
        }
    }

    /// <summary>Expects the <see cref="Terminated"/> of <paramref name="actor"/> as the next message (watching it first if needed).</summary>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef actor, TimeSpan? timeout = null)
    {
        bool watched;
        lock (_watched)
        {
            watched = _watched.Contains(actor);
        }

        if (!watched)
        {
            Watch(actor);
        }

        return ExpectMsgAsync<Terminated>(t => ReferenceEquals(t.ActorRef, actor), timeout);
    }

    /// <summary>Skips messages until one is a <typeparamref name="T"/> matching <paramref name="isTheOne"/>.</summary>
    public async Task<T> FishForMessageAsync<T>(Func<T, bool> isTheOne, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(isTheOne);
        var wait = Wait(timeout);
        using var deadline = new CancellationTokenSource(wait);
        while (true)
        {
            var (message, _) = await Next(wait, $"a matching {typeof(T).Name} within {wait}", deadline.Token);
            if (message is T typed && isTheOne(typed))
            {
                return typed;
            }
        }
    }

    /// <summary>
    /// Receives messages while they are <typeparamref name="T"/> matching <paramref name="predicate"/>, until
    /// <paramref name="idle"/> passes without one or <paramref name="maxMessages"/> are in; the first
    /// message that does not match is left for the next expectation.
    /// </summary>
    public async Task<IReadOnlyList<T>> ReceiveWhileAsync<T>(Func<T, bool> predicate, TimeSpan? idle = null, int maxMessages = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var received = new List<T>();
        var quiet = idle ?? TestKitSettings.DefaultNoMessageDuration;
        while (received.Count < maxMessages)
        {
            (object Message, IActorRef Sender) next;
            if (!_pushedBack.TryPop(out next))
            {
                using var idleTimer = new CancellationTokenSource(quiet);
                try
                {
                    next = await _inbox.Reader.ReadAsync(idleTimer.Token);
                }
                catch (OperationCanceledException) when (idleTimer.IsCancellationRequested)
                {
                    break;
                }
            }

            if (next.Message is T typed && predicate(typed))
            {
                Remember(next);
                received.Add(typed);
            }
            else
            {
                _pushedBack.Push(next);
                break;
            }
        }

        return received;
    }

    private static TimeSpan Wait(TimeSpan? timeout) => timeout is { } given ? TestKitSettings.Dilated(given) : TestKitSettings.DefaultTimeout;

    private async Task<(object Message, IActorRef Sender)> Next(TimeSpan wait, string expectation)
    {
        using var deadline = new CancellationTokenSource(wait);
        return await Next(wait, expectation, deadline.Token);
    }

    private async Task<(object Message, IActorRef Sender)> Next(TimeSpan wait, string expectation, CancellationToken deadline)
    {
        if (!_pushedBack.TryPop(out var next))
        {
            try
            {
                next = await _inbox.Reader.ReadAsync(deadline);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new XunitException($"Timeout ({wait}) while waiting for {expectation}.");
            }
        }

        Remember(next);
        return next;
    }

    private void Remember((object Message, IActorRef Sender) received)
    {
        LastMessage = received.Message;
        LastSender = received.Sender;
    }

    private static string Describe(object message) => $"{message.GetType().Name} {message}";

    private sealed record WatchCommand(IActorRef Actor, bool Watch);

    private sealed class ProbeActor(TestProbe probe) : ActorBase
    {
        protected override bool Receive(object message)
        {
            if (message is WatchCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Actor);
                }
                else
                {
                    Context.Unwatch(command.Actor);
                }
            }
            else
            {
                probe._inbox.Writer.TryWrite((message, Sender));
            }

            return true;
        }
    }
}
