using Akka.Actor;

namespace ActorLoki.Shipper.Tailing;

/// <summary>Idle: the newest instance was read to its end; waiting for the container to start again, or for the pod to go.</summary>
public sealed partial class ContainerTail
{
    /// <summary>The newest instance was read to its end; waiting for the container to start again.</summary>
    private void Idle()
    {
        Receive<PodUpdated>(updated =>
        {
            OnPodUpdated(updated);
            var view = ContainerInstances.Of(Status(_pod));
            if ((_read is null || !view.IsNewest(_read.ContainerId, _read.Number)) && view.NewestStarted)
            {
                Advance();
            }
        });

        // Nothing is left to read: a deleted pod's tail stops at once, without the grace.
        Receive<PodDeleted>(_ =>
        {
            _podDeleted = true;
            Context.Stop(Self);
        });
        Receive<GetStatus>(_ => Sender.Tell(CurrentStatus("idle")));
        CommonHandlers();
    }
}
