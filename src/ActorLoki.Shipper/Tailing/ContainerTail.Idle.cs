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
            if ((_stream is null || !view.IsNewest(_containerId, _instance)) && view.NewestStarted)
            {
                _idle = false;
                Advance();
            }
        });
        CommonHandlers();
    }
}
