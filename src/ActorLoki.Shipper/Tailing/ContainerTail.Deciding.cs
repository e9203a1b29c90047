using System.Net;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Models;
using Akka.Actor;

namespace ActorLoki.Shipper.Tailing;

/// <summary>Deciding: a follow stream ended, and the pod says whether a newer instance exists (drain this one with previous=true, then follow the next) or the pod is gone.</summary>
public sealed partial class ContainerTail
{
    /// <summary>A follow stream ended; the pod is being looked at to learn why.</summary>
    private void Deciding()
    {
        Receive<PodFetched>(fetched => ReferenceEquals(fetched.Incarnation, _incarnation), OnPodFetched);
        CommonHandlers();
    }

    private void OnStreamEnded()
    {
        var open = _open!;
        if (open.SkipRemaining > 0)
        {
            // The log has fewer lines than were acknowledged from it: the position cannot be trusted.
            OnPositionMismatch(open);
        }

        var newLines = _silence.NewLinesSinceOpen;
        CloseReader();
        if (_read!.Mode == ReadMode.Drain)
        {
            FinishInstance();
            return;
        }

        // A follow stream ends when its instance ends, when the pod goes, or when the connection drops.
        // The pod says which.
        _silence.NewLinesSinceOpen = newLines;
        Become(Deciding);
        var incarnation = _incarnation;
        _ctx.Client.GetPodAsync(_id.Namespace, _id.Pod, LifetimeToken)
            .PipeTo(Self, success: pod => new PodFetched(incarnation, pod, null), failure: e => new PodFetched(incarnation, null, e));
    }

    private void OnPodFetched(PodFetched fetched)
    {
        if (fetched.Error is KubernetesApiException { StatusCode: HttpStatusCode.NotFound } || (fetched.Pod?.Metadata?.Uid is { } uid && uid != _id.PodUid))
        {
            LogPodGone(Log, _id.Namespace, _id.Pod, _id.Container);
            Context.Stop(Self);
            return;
        }

        if (fetched.Pod is null)
        {
            Reconnect("ended", immediately: false);
            return;
        }

        _pod = fetched.Pod;
        var read = _read!;
        var request = ContainerInstances.Of(Status(_pod)).Read(read.ContainerId, read.Number);
        if (request is { Follow: true })
        {
            // Still running: the connection dropped. Reopen at once if it brought lines, else back off
            // (a server that keeps ending streams must not be hammered).
            Reconnect("ended", immediately: _silence.NewLinesSinceOpen);
            return;
        }

        // The instance ended: read what is left of it without following (Open picks previous or not).
        _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason("instance_ended"));
        read.Mode = ReadMode.Drain;
        Open();
    }

    private void OnPodUpdated(PodUpdated updated)
    {
        _pod = updated.Pod;
        if (!updated.Labels.Labels.Equals(_labels.Labels) || !Equals(updated.Labels.Metadata, _labels.Metadata))
        {
            _labels = updated.Labels;
            if (_read is not null)
            {
                _read.Stream = _read.Stream with { Labels = _labels.Labels, Metadata = _labels.Metadata };
            }
        }
    }

    private ContainerStatus? Status(Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == _id.Container)
        ?? pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == _id.Container);

    private void CountUnseen(int instances)
    {
        if (instances <= 0)
        {
            return;
        }

        _ctx.Metrics.InstancesUnseen.Add(instances, ShipperMetrics.Namespace(_id.Namespace));
        LogUnseen(Log, instances, _id.Namespace, _id.Pod, _id.Container);
    }
}
