using System.Globalization;

namespace ActorLoki.Shipper.Tests.Reliability;

/// <summary>What can go wrong at one tick of a randomised run.</summary>
public enum FaultKind
{
    DropLogStreams,
    CutLogStreamMidLine,
    StallLogStreams,
    RestartContainer,
    DropWatches,
    RotateToken,
    LokiStatusWindow,
    LokiResets,
    LokiDown,
    GracefulShipperRestart,
    KillShipper,
}

/// <summary>One fault at one tick; <see cref="Ticks"/> is how long it lasts (windows), <see cref="Argument"/> a detail (status, count, bytes).</summary>
public sealed record ScheduledFault(int Tick, FaultKind Kind, int Ticks, int Argument)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"@{Tick} {Kind}{(Ticks > 0 ? $" for {Ticks}" : "")}{(Argument != 0 ? $" ({Argument})" : "")}");
}

/// <summary>
/// A reproducible mix of faults over a run of <c>ticks</c> ticks (100 ms each): the same seed gives the same
/// schedule. Windows (stalls, Loki failing or down) do not overlap their own kind, shipper restarts and kills
/// are spaced so that the shipper runs in between, and everything ends before the last fifth of the run.
/// </summary>
public static class FaultSchedule
{
    public static IReadOnlyList<ScheduledFault> Generate(int seed, int ticks)
    {
        var random = new Random(seed);
        var faults = new List<ScheduledFault>();
        var busyUntil = new Dictionary<FaultKind, int>();
        var lastShipperChange = -100;
        var last = ticks * 4 / 5;
        for (var tick = 2; tick < last; tick++)
        {
            if (random.NextDouble() > 0.25)
            {
                continue;
            }

            var kind = (FaultKind)random.Next(Enum.GetValues<FaultKind>().Length);
            if (busyUntil.GetValueOrDefault(kind) > tick)
            {
                continue;
            }

            ScheduledFault fault = kind switch
            {
                FaultKind.StallLogStreams => new(tick, kind, random.Next(3, 18), 0),
                FaultKind.LokiStatusWindow => new(tick, kind, random.Next(3, 15), random.Next(2) == 0 ? 429 : 500),
                FaultKind.LokiResets => new(tick, kind, 0, random.Next(1, 4)),
                FaultKind.LokiDown => new(tick, kind, random.Next(5, 20), 0),
                FaultKind.CutLogStreamMidLine => new(tick, kind, 0, random.Next(50, 5000)),
                _ => new(tick, kind, 0, 0),
            };
            if (kind is FaultKind.GracefulShipperRestart or FaultKind.KillShipper)
            {
                if (tick - lastShipperChange < 15)
                {
                    continue;
                }

                lastShipperChange = tick;
            }

            busyUntil[kind] = tick + fault.Ticks + 1;
            faults.Add(fault);
        }

        return faults;
    }
}
