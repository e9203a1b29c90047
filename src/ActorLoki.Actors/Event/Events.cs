namespace ActorLoki.Actors.Event;

/// <summary>A message that could not be delivered: its recipient had stopped, or it was sent to dead letters.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message no behaviour of the recipient handled.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message dropped or refused by a full bounded mailbox, per its <see cref="OverflowPolicy"/>.</summary>
public sealed record MailboxOverflow(object Message, IActorRef? Sender, IActorRef Recipient, OverflowPolicy Policy, int Capacity);

/// <summary>An actor has started (constructor and PreStart done).</summary>
public sealed record ActorStarted(IActorRef Actor, Type ActorType);

/// <summary>An actor was restarted by its supervisor; <see cref="Attempt"/> counts its restarts so far.</summary>
public sealed record ActorRestarted(IActorRef Actor, Type ActorType, Exception Cause, int Attempt);

/// <summary>An actor has stopped (children stopped, PostStop done).</summary>
public sealed record ActorStopped(IActorRef Actor, Type ActorType);

/// <summary>
/// A back-off supervisor will start a new child after <see cref="Delay"/>. <see cref="Attempt"/> is the
/// restart count since the last reset; <see cref="Cause"/> is the failure (null when the child stopped).
/// </summary>
public sealed record BackoffRestartScheduled(IActorRef Supervisor, ActorPath ChildPath, int Attempt, TimeSpan Delay, Exception? Cause);
