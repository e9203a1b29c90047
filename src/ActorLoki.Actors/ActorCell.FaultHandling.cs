using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

internal sealed partial class ActorCell
{
    private int _suspendCount;
    private Exception? _failure;

    // The child whose escalated failure made this actor fail: a Resume must clear its failure too.
    private IActorRef? _perpetrator;
    private Exception? _pendingRecreate;
    private bool _terminating;
    private int _restartCount;
    private int _incarnation;
    private SupervisorStrategy? _strategy;

    internal bool IsTerminating => _terminating;

    private void HandleCreate()
    {
        try
        {
            NewActor().InvokePreStart();
        }
        catch (Exception cause)
        {
            // As in Akka, an actor that failed to start is not stopped through PostStop.
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(_self, "exception during creation", cause));
            return;
        }

        _system.Started(this);
    }

    /// <summary>This actor failed: suspend it and its children and ask the parent what to do.</summary>
    internal void HandleInvokeFailure(Exception cause)
    {
        if (_terminating || _failure is not null)
        {
            // Stopping anyway, or already waiting for a directive: the cause is only logged.
            KernelLog.FailureIgnored(_system.Log, _self.Path, cause);
            return;
        }

        _failure = cause;
        _suspendCount++;
        foreach (var child in ChildEntries())
        {
            // The child that escalated is suspended by its own failure already.
            if (!child.Stopping && !ReferenceEquals(child.Ref, _perpetrator))
            {
                child.Ref.SendSystemMessage(new Suspend());
            }
        }

        _parent.SendSystemMessage(new Failed(_self, cause));
    }

    /// <summary>A child failed: apply the supervisor strategy (escalating means failing ourselves).</summary>
    private void HandleFailed(Failed failed)
    {
        var child = FindChild(failed.Child);
        if (child is null || child.Stopping || _terminating)
        {
            return;
        }

        var strategy = _strategy ??= _props.SupervisorStrategy ?? _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.DefaultStrategy;
        if (!strategy.HandleFailure(this, child, failed.Cause))
        {
            KernelLog.Escalating(_system.Log, failed.Child.Path, failed.Cause);
            if (_failure is null && !_terminating)
            {
                _perpetrator = failed.Child;
            }

            HandleInvokeFailure(failed.Cause);
        }
    }

    internal void LogFailure(IActorRef child, Exception cause, Directive directive)
    {
        if (directive == Directive.Resume)
        {
            KernelLog.ChildResumed(_system.Log, child.Path, cause);
        }
        else
        {
            KernelLog.ChildFailed(_system.Log, child.Path, directive, cause);
        }
    }

    private void FaultSuspend()
    {
        _suspendCount++;
        foreach (var child in ChildEntries())
        {
            if (!child.Stopping)
            {
                child.Ref.SendSystemMessage(new Suspend());
            }
        }
    }

    private void FaultResume(Exception? causedByFailure)
    {
        if (_terminating)
        {
            return;
        }

        if (causedByFailure is not null && _actor is null)
        {
            // Resuming an actor that never started makes no sense: start it instead.
            FaultRecreate(causedByFailure);
            return;
        }

        if (causedByFailure is not null && _failure is not null)
        {
            _failure = null;
            if (_pendingTask is null)
            {
                _current = default;
            }
        }

        _suspendCount = Math.Max(0, _suspendCount - 1);
        var perpetrator = _perpetrator;
        _perpetrator = null;
        foreach (var child in ChildEntries())
        {
            if (!child.Stopping)
            {
                child.Ref.SendSystemMessage(new Resume(ReferenceEquals(child.Ref, perpetrator) ? causedByFailure : null));
            }
        }
    }

    /// <summary>Restart: PreRestart on the old instance, wait for the children it stopped, then a fresh instance.</summary>
    private void FaultRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }

        var failedMessage = _current.Message;
        var actor = _actor;
        EndIncarnation();
        _stash?.PrependAll();
        if (actor is not null)
        {
            try
            {
                actor.InvokePreRestart(cause, failedMessage);
            }
            catch (Exception error)
            {
                KernelLog.HookFailed(_system.Log, _self.Path, "PreRestart", error);
            }
        }
        else
        {
            StopChildren();
        }

        _actor = null;
        _current = default;
        _pendingRecreate = cause;
        if (!HasStoppingChildren())
        {
            FinishRecreate();
        }
    }

    private void FinishRecreate()
    {
        var cause = _pendingRecreate!;
        _pendingRecreate = null;
        _failure = null;
        _perpetrator = null;
        _suspendCount = Math.Max(0, _suspendCount - 1);
        Interlocked.Increment(ref _restartCount);
        try
        {
            NewActor().InvokePostRestart(cause);
        }
        catch (Exception error)
        {
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(_self, "exception in PostRestart", error));
            return;
        }

        _system.Restarted(this, cause, _restartCount);

        // Children the old instance kept (a PreRestart override) are restarted too, as in Akka.
        foreach (var child in ChildEntries())
        {
            if (!child.Stopping)
            {
                child.Ref.SendSystemMessage(new Recreate(cause));
            }
        }
    }

    /// <summary>Stop: cancel this incarnation, stop the children, and finish once they all have.</summary>
    private void HandleTerminate()
    {
        lock (_childrenLock)
        {
            if (_terminating)
            {
                return;
            }

            _terminating = true;
        }

        EndIncarnation();
        if (StopChildren() == 0)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        var actor = _actor;
        if (actor is not null)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception error)
            {
                KernelLog.HookFailed(_system.Log, _self.Path, "PostStop", error);
            }
        }

        lock (_childrenLock)
        {
            _childrenClosed = true;
        }

        _stash?.DropAll();
        _mailbox.Close();
        TellWatchersWeDied();
        _system.Stopped(this);
        _actor = null;
        _behavior = null;
        _behaviors.Clear();
        _current = default;
        _strategy = null;
    }

    /// <summary>The current instance is done (stop or restart): cancel its token, timers and pending async handler.</summary>
    private void EndIncarnation()
    {
        _incarnation++;
        _pendingTask = null;
        _syncContext = null;
        _strategy = null;
        _timers?.CancelAll();
        var lifetime = _lifetime;
        _lifetime = null;
        if (lifetime is not null)
        {
            try
            {
                lifetime.Cancel();
            }
            catch (AggregateException error)
            {
                KernelLog.HookFailed(_system.Log, _self.Path, "LifetimeToken callbacks", error);
            }

            lifetime.Dispose();
        }
    }
}
