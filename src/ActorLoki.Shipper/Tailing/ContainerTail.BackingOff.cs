namespace ActorLoki.Shipper.Tailing;

/// <summary>Backing off: a stream that failed, or must be reopened, waits with a back-off that grows with consecutive failures.</summary>
public sealed partial class ContainerTail
{
    /// <summary>Waiting before reopening a stream that failed.</summary>
    private void BackingOff()
    {
        Receive<Reopen>(_ => Open());
        Receive<PodUpdated>(updated =>
        {
            var before = ContainerInstances.Of(Status(_pod));
            OnPodUpdated(updated);
            var after = ContainerInstances.Of(Status(_pod));
            var read = _read!;
            if (before.Read(read.ContainerId, read.Number) != after.Read(read.ContainerId, read.Number))
            {
                // The instance started, ended or became `previous`: no need to wait out the back-off.
                Timers.Cancel(ReopenTimer);
                Open();
            }
        });
        CommonHandlers();
    }

    private void Reconnect(string reason, bool immediately)
    {
        CloseReader();
        _counters.Reopens++;
        _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason(reason));
        var position = _read!.Position;
        var from = position.IsFromStart ? "its start" : $"second {position.SinceSecond}";
        LogReopen(Log, _id.Namespace, _id.Pod, _id.Container, reason, from, position.Skip);
        if (immediately)
        {
            Open();
            return;
        }

        _counters.Failures++;
        Timers.StartSingleTimer(ReopenTimer, new Reopen(reason), Backoff(_counters.Failures));
        Become(BackingOff);
    }

    private TimeSpan Backoff(int failures)
    {
        var min = _ctx.Settings.ReconnectMinBackoff;
        var max = _ctx.Settings.ReconnectMaxBackoff;
        var exponential = min.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(max.Ticks, exponential));
        return delay * (1 + (Random.Shared.NextDouble() * 0.2));
    }
}
