using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>The message <see cref="IActorContext.WatchWith"/> asked for, queued like a Terminated.</summary>
internal sealed record WatchedTerminated(IActorRef Actor, object Message);

internal sealed partial class ActorCell
{
    // Subjects this actor watches, with the custom message of WatchWith (null: Terminated).
    private Dictionary<IActorRef, object?>? _watching;

    // Subjects whose Terminated is queued but not yet handled; Unwatch removes them so it is dropped.
    private HashSet<IActorRef>? _terminatedQueued;

    // Who watches this actor (the parent is always told and is not kept here).
    private HashSet<IInternalActorRef>? _watchedBy;

    public IActorRef Watch(IActorRef subject) => WatchCore(subject, null);

    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchCore(subject, message);
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_watching is not null && _watching.Remove(subject) && subject is IInternalActorRef target)
        {
            target.SendSystemMessage(new Unwatch(target, _self));
        }

        _terminatedQueued?.Remove(subject);
        return subject;
    }

    private IActorRef WatchCore(IActorRef subject, object? message)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (ReferenceEquals(subject, _self))
        {
            return subject;
        }

        var target = subject as IInternalActorRef
            ?? throw new ArgumentException($"{subject.GetType().Name} cannot be watched.", nameof(subject));
        _watching ??= [];
        var known = _watching.ContainsKey(subject);
        _watching[subject] = message;
        if (!known)
        {
            target.SendSystemMessage(new Watch(target, _self));
        }

        return subject;
    }

    private void AddWatcher(IInternalActorRef watcher)
    {
        if (!ReferenceEquals(watcher, _parent) && !ReferenceEquals(watcher, _self))
        {
            (_watchedBy ??= []).Add(watcher);
        }
    }

    private void RemoveWatcher(IInternalActorRef watcher) => _watchedBy?.Remove(watcher);

    /// <summary>A watched actor or a child has stopped.</summary>
    private void WatchedActorTerminated(IActorRef actor)
    {
        if (_watching is not null && _watching.Remove(actor, out var custom) && !_terminating)
        {
            // Queued behind the user messages already in the mailbox, so whatever the dead actor sent
            // before it stopped is handled before its Terminated.
            (_terminatedQueued ??= []).Add(actor);
            _mailbox.PostUnbounded(custom is null ? new Terminated(actor) : new WatchedTerminated(actor, custom), actor);
        }

        HandleChildTerminated(actor);
    }

    private bool ConsumeQueuedTerminated(IActorRef actor) => _terminatedQueued?.Remove(actor) == true;

    /// <summary>On stop: tell every watcher and the parent; stop watching others so they forget us.</summary>
    private void TellWatchersWeDied()
    {
        if (_watchedBy is not null)
        {
            foreach (var watcher in _watchedBy)
            {
                watcher.SendSystemMessage(new DeathWatchNotification(_self));
            }

            _watchedBy = null;
        }

        _parent.SendSystemMessage(new DeathWatchNotification(_self));

        if (_watching is not null)
        {
            foreach (var subject in _watching.Keys)
            {
                if (subject is IInternalActorRef target)
                {
                    target.SendSystemMessage(new Unwatch(target, _self));
                }
            }

            _watching = null;
        }

        _terminatedQueued = null;
    }
}
