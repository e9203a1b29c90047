using System.Collections.Concurrent;

namespace ActorLoki.Actors.Dispatch;

/// <summary>
/// The mailbox of one actor and the work item that runs it on the thread pool.
/// </summary>
/// <remarks>
/// <para>Scheduling: <see cref="_status"/> is Idle or Scheduled, flipped with Interlocked. A producer that
/// finds the mailbox Idle schedules it; the run handles system messages first, then at most
/// <c>throughput</c> user messages (system messages are re-checked after each), then goes Idle and
/// re-checks both queues, so a message enqueued during the switch is never stranded. Nothing blocks.</para>
/// <para>Why a <see cref="ConcurrentQueue{T}"/> and not a <c>System.Threading.Channels</c> channel: the
/// single-reader unbounded channel serialises its writers with a Monitor lock (a contended writer spins and
/// may block its thread) in front of a single-producer queue, and its completion and waiting-reader machinery
/// is dead weight here, because the mailbox is pushed onto the thread pool by its producers and never awaited.
/// A bounded channel also cannot admit kernel messages (Terminated, timer ticks) past its bound while keeping
/// their order with user messages; here the bound is an Interlocked counter. The <c>actors</c> benchmark
/// measures both queues with 4 writers and 1 reader: about 60 ns/message for the queue, 95 for the channel.</para>
/// <para>System messages form a lock-free intrusive stack (pushed with CAS, taken whole and reversed). Once
/// the actor has stopped the stack holds a sentinel: later system messages are handled as dead on the
/// sender's thread (a Watch is answered with Terminated), and later user messages go to dead letters.</para>
/// </remarks>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Scheduled = 1;
    private const int ClosedFlag = 2;

    private static readonly SystemMessage ClosedSentinel = new Terminate();

    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly ActorCell _cell;
    private readonly int _capacity;
    private readonly OverflowPolicy _overflow;
    private readonly int _throughput;
    private Stack<Envelope>? _prepended;
    private SystemMessage? _systemHead;
    private int _status;
    private int _count;

    public Mailbox(ActorCell cell, int capacity, OverflowPolicy overflow, int throughput)
    {
        _cell = cell;
        _capacity = capacity;
        _overflow = overflow;
        _throughput = throughput;
    }

    /// <summary>User messages waiting (approximate while producers run).</summary>
    public int Count => (_capacity > 0 ? Volatile.Read(ref _count) : _queue.Count) + (_prepended?.Count ?? 0);

    public int Capacity => _capacity;

    public bool IsClosed => (Volatile.Read(ref _status) & ClosedFlag) != 0;

    /// <summary>Enqueues a user message, applying the bound.</summary>
    public void Post(object message, IActorRef? sender)
    {
        if (_capacity > 0 && !Reserve(message, sender))
        {
            return;
        }

        _queue.Enqueue(new Envelope(message, sender));
        AfterUserEnqueue();
    }

    /// <summary>Enqueues a kernel-originated user message (Terminated, timer tick) past the bound.</summary>
    public void PostUnbounded(object message, IActorRef? sender)
    {
        if (_capacity > 0)
        {
            Interlocked.Increment(ref _count);
        }

        _queue.Enqueue(new Envelope(message, sender));
        AfterUserEnqueue();
    }

    public void PostSystem(SystemMessage message)
    {
        while (true)
        {
            var head = Volatile.Read(ref _systemHead);
            if (ReferenceEquals(head, ClosedSentinel))
            {
                _cell.HandleDeadSystemMessage(message);
                return;
            }

            message.Next = head;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _systemHead, message, head), head))
            {
                break;
            }
        }

        TrySchedule();
    }

    /// <summary>Puts messages back at the front, in order (unstash). Only from the actor's own turn.</summary>
    public void Prepend(List<Envelope> envelopes)
    {
        _prepended ??= new Stack<Envelope>();
        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _prepended.Push(envelopes[i]);
        }
    }

    public void Execute()
    {
        var cell = _cell;
        var previous = ActorCell.Current;
        ActorCell.Current = cell;
        try
        {
            ProcessSystemMessages();
            for (var left = _throughput; left > 0 && cell.CanProcessUserMessages; left--)
            {
                if (!TryDequeue(out var envelope))
                {
                    break;
                }

                cell.Invoke(envelope);
                if (Volatile.Read(ref _systemHead) is not null)
                {
                    ProcessSystemMessages();
                }
            }
        }
        finally
        {
            ActorCell.Current = previous;
        }

        if (IsClosed)
        {
            return;
        }

        // Idle first, then look again: a producer that saw Scheduled relies on this re-check.
        Interlocked.Exchange(ref _status, Idle);
        if (HasWork())
        {
            TrySchedule();
        }
    }

    /// <summary>
    /// Closes the mailbox for good (from the actor's own turn, when it has stopped): pending system
    /// messages are handled as dead, queued user messages go to dead letters.
    /// </summary>
    public void Close()
    {
        Interlocked.Or(ref _status, ClosedFlag);
        var pending = Interlocked.Exchange(ref _systemHead, ClosedSentinel);
        for (var message = Reverse(pending); message is not null;)
        {
            var next = message.Next;
            message.Next = null;
            _cell.HandleDeadSystemMessage(message);
            message = next;
        }

        if (_prepended is not null)
        {
            while (_prepended.TryPop(out var envelope))
            {
                _cell.System.DeadLetter(envelope.Message, envelope.Sender, _cell.Self);
            }
        }

        DrainToDeadLetters();
    }

    /// <summary>Marks a mailbox dead before its actor ever ran (its parent had already stopped).</summary>
    public void CloseUnstarted()
    {
        Volatile.Write(ref _status, ClosedFlag);
        Volatile.Write(ref _systemHead, ClosedSentinel);
    }

    private void AfterUserEnqueue()
    {
        var status = Volatile.Read(ref _status);
        if (status == Idle)
        {
            TrySchedule();
        }
        else if ((status & ClosedFlag) != 0)
        {
            DrainToDeadLetters();
        }
    }

    private void TrySchedule()
    {
        if (Volatile.Read(ref _status) == Idle && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    private bool HasWork()
    {
        var head = Volatile.Read(ref _systemHead);
        if (head is not null && !ReferenceEquals(head, ClosedSentinel))
        {
            return true;
        }

        return _cell.CanProcessUserMessages && (_prepended is { Count: > 0 } || !_queue.IsEmpty);
    }

    private bool TryDequeue(out Envelope envelope)
    {
        if (_prepended is { Count: > 0 })
        {
            envelope = _prepended.Pop();
            return true;
        }

        if (_queue.TryDequeue(out envelope))
        {
            if (_capacity > 0)
            {
                Interlocked.Decrement(ref _count);
            }

            return true;
        }

        return false;
    }

    private void ProcessSystemMessages()
    {
        while (true)
        {
            var head = Volatile.Read(ref _systemHead);
            if (head is null || ReferenceEquals(head, ClosedSentinel))
            {
                return;
            }

            if (!ReferenceEquals(Interlocked.CompareExchange(ref _systemHead, null, head), head))
            {
                continue;
            }

            for (var message = Reverse(head); message is not null;)
            {
                var next = message.Next;
                message.Next = null;
                if (IsClosed)
                {
                    _cell.HandleDeadSystemMessage(message);
                }
                else
                {
                    _cell.SystemInvoke(message);
                }

                message = next;
            }
        }
    }

    private static SystemMessage? Reverse(SystemMessage? head)
    {
        if (ReferenceEquals(head, ClosedSentinel))
        {
            return null;
        }

        SystemMessage? reversed = null;
        while (head is not null)
        {
            var next = head.Next;
            head.Next = reversed;
            reversed = head;
            head = next;
        }

        return reversed;
    }

    private bool Reserve(object message, IActorRef? sender)
    {
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            return true;
        }

        switch (_overflow)
        {
            case OverflowPolicy.DropOldest:
                // Keep the reservation for the incoming message and drop the head instead.
                if (_queue.TryDequeue(out var oldest))
                {
                    Interlocked.Decrement(ref _count);
                    _cell.ReportOverflow(oldest.Message, oldest.Sender, _overflow);
                }

                return true;
            case OverflowPolicy.FailSender:
                Interlocked.Decrement(ref _count);
                _cell.ReportOverflow(message, sender, _overflow);
                sender?.Tell(new Status.Failure(new MailboxFullException($"The mailbox of {_cell.Self.Path} is full ({_capacity} messages).")), _cell.Self);
                return false;
            default:
                Interlocked.Decrement(ref _count);
                _cell.ReportOverflow(message, sender, _overflow);
                return false;
        }
    }

    private void DrainToDeadLetters()
    {
        while (_queue.TryDequeue(out var envelope))
        {
            if (_capacity > 0)
            {
                Interlocked.Decrement(ref _count);
            }

            _cell.System.DeadLetter(envelope.Message, envelope.Sender, _cell.Self);
        }
    }
}
