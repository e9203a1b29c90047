using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>Set aside the current message and take it back later (e.g. while switching behaviours).</summary>
public interface IStash
{
    /// <summary>Stashes the message being handled.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back at the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts every stashed message back at the front of the mailbox, in their original order.</summary>
    void UnstashAll();

    int Count { get; }
}

/// <summary>
/// Implemented by actors that stash; the kernel sets <see cref="Stash"/> before the constructor body runs.
/// On restart the stash is put back into the mailbox; on stop it goes to dead letters.
/// </summary>
public interface IWithStash
{
    IStash Stash { get; set; }
}

internal sealed class StashImpl(ActorCell cell) : IStash
{
    private readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (current.Message is null)
        {
            throw new IllegalActorStateException("There is no message being handled to stash.");
        }

        if (_stashed.Count > 0 && ReferenceEquals(_stashed[^1].Message, current.Message) && ReferenceEquals(_stashed[^1].Sender, current.Sender))
        {
            throw new IllegalActorStateException("The same message cannot be stashed twice.");
        }

        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
        {
            return;
        }

        var first = _stashed[0];
        _stashed.RemoveAt(0);
        cell.Mailbox.Prepend([first]);
    }

    public void UnstashAll() => PrependAll();

    internal void PrependAll()
    {
        if (_stashed.Count > 0)
        {
            cell.Mailbox.Prepend(_stashed);
            _stashed.Clear();
        }
    }

    internal void DropAll()
    {
        foreach (var envelope in _stashed)
        {
            cell.System.DeadLetter(envelope.Message, envelope.Sender, cell.Self);
        }

        _stashed.Clear();
    }
}
