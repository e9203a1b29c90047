using System.Globalization;
using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>A child as its parent tracks it.</summary>
internal sealed class ChildEntry(LocalActorRef child)
{
    public LocalActorRef Ref { get; } = child;

    /// <summary>The parent asked it to stop; its name stays taken until it has.</summary>
    public bool Stopping { get; set; }

    public ChildRestartStats Stats { get; } = new();
}

internal sealed partial class ActorCell
{
    // The children map is read by snapshots and written by ActorSystem.ActorOf from any thread, so it is
    // locked; everything else about children is touched only on the parent's turn.
    private readonly Lock _childrenLock = new();
    private Dictionary<string, ChildEntry>? _children;
    private bool _childrenClosed;
    private long _nextChildName;

    public IEnumerable<IActorRef> GetChildren() => ChildrenSnapshot();

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(name, out var entry) && !entry.Stopping
                ? entry.Ref
                : ActorRefs.Nobody;
        }
    }

    /// <summary>Creates a child. Thread-safe (the user guardian's children are created from any thread).</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = "$" + Interlocked.Increment(ref _nextChildName).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            ValidateName(name);
        }

        var cell = new ActorCell(_system, props, _self, _self.Path / name);
        var entry = new ChildEntry(cell.SelfRef);
        bool parentStopped;
        lock (_childrenLock)
        {
            parentStopped = _childrenClosed;
            if (!parentStopped)
            {
                _children ??= new Dictionary<string, ChildEntry>(StringComparer.Ordinal);
                if (!_children.TryAdd(name, entry))
                {
                    throw new InvalidActorNameException($"Actor name [{name}] is not unique under {_self.Path}.");
                }

                // A parent that is stopping still creates the child, then stops it with the others.
                entry.Stopping = _terminating;
            }
        }

        if (parentStopped)
        {
            cell.Mailbox.CloseUnstarted();
            return cell.Self;
        }

        cell.Start();
        if (entry.Stopping)
        {
            cell.SelfRef.SendSystemMessage(new Terminate());
        }

        return cell.Self;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (ReferenceEquals(actor, _self))
        {
            // After the current message: Terminate is a system message, handled before the next user one.
            _mailbox.PostSystem(new Terminate());
            return;
        }

        if (actor is not IInternalActorRef target)
        {
            return;
        }

        lock (_childrenLock)
        {
            if (_children is not null && _children.TryGetValue(actor.Path.Name, out var entry) && ReferenceEquals(entry.Ref, actor))
            {
                entry.Stopping = true;
            }
        }

        target.SendSystemMessage(new Terminate());
    }

    internal LocalActorRef[] ChildrenSnapshot()
    {
        lock (_childrenLock)
        {
            if (_children is null || _children.Count == 0)
            {
                return [];
            }

            var refs = new LocalActorRef[_children.Count];
            var i = 0;
            foreach (var entry in _children.Values)
            {
                refs[i++] = entry.Ref;
            }

            return refs;
        }
    }

    private ChildEntry? FindChild(IActorRef actor)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(actor.Path.Name, out var entry) && ReferenceEquals(entry.Ref, actor)
                ? entry
                : null;
        }
    }

    private ChildEntry[] ChildEntries()
    {
        lock (_childrenLock)
        {
            return _children is null ? [] : [.. _children.Values];
        }
    }

    private int ChildCount()
    {
        lock (_childrenLock)
        {
            return _children?.Count ?? 0;
        }
    }

    private bool HasStoppingChildren()
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.Values.Any(static c => c.Stopping);
        }
    }

    /// <summary>Stops every child not already stopping; returns how many children remain.</summary>
    private int StopChildren()
    {
        var toStop = new List<LocalActorRef>();
        int remaining;
        lock (_childrenLock)
        {
            if (_children is null)
            {
                return 0;
            }

            foreach (var entry in _children.Values)
            {
                if (!entry.Stopping)
                {
                    entry.Stopping = true;
                    toStop.Add(entry.Ref);
                }
            }

            remaining = _children.Count;
        }

        foreach (var child in toStop)
        {
            child.SendSystemMessage(new Terminate());
        }

        return remaining;
    }

    /// <summary>A child has stopped: free its name and move on with a pending stop or restart.</summary>
    private void HandleChildTerminated(IActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children is null || !_children.TryGetValue(child.Path.Name, out var entry) || !ReferenceEquals(entry.Ref, child))
            {
                return;
            }

            _children.Remove(child.Path.Name);
        }

        if (_terminating)
        {
            if (ChildCount() == 0)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is not null && !HasStoppingChildren())
        {
            FinishRecreate();
        }
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name[0] == '$')
        {
            throw new InvalidActorNameException($"Actor name [{name}] must not be empty or start with '$'.");
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "-_.:@&=+,!~*';%".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw new InvalidActorNameException($"Actor name [{name}] contains '{c}'; use ASCII letters, digits and -_.:@&=+,!~*';%.");
            }
        }
    }
}
