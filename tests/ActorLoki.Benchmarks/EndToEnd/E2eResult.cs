using System.Globalization;
using System.Text;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>What one scenario measured (also the JSON written by <c>e2e</c>). Null: not measured by this scenario.</summary>
internal sealed record E2eResult
{
    public required string Scenario { get; init; }

    public int Containers { get; init; }

    /// <summary>Length of the measured window (from the first line read to the last delivered, for burst).</summary>
    public double WindowSeconds { get; init; }

    public long LinesWritten { get; init; }

    /// <summary>Lines delivered in the measured window.</summary>
    public long LinesInWindow { get; init; }

    public double LinesPerSecond { get; init; }

    public double ShipperCpuSeconds { get; init; }

    public double? CpuSecondsPerMillionLines => LinesInWindow > 0 && !ShipperExited ? ShipperCpuSeconds / LinesInWindow * 1e6 : null;

    public double? LinesPerCoreSecond => ShipperCpuSeconds > 0 && !ShipperExited ? LinesInWindow / ShipperCpuSeconds : null;

    /// <summary>The shipper process ended during the scenario (a crash): its CPU and memory could not be measured to the end.</summary>
    public bool ShipperExited { get; init; }

    public double SimulatorCpuSeconds { get; init; }

    public double PeakRssMiB { get; init; }

    public double EndRssMiB { get; init; }

    /// <summary>The shipper's managed heap, when its /metrics exports the runtime's meter.</summary>
    public double? HeapMiB { get; init; }

    public double? RssPerAddedContainerKiB { get; init; }

    public double? LatencyP50Seconds { get; init; }

    public double? LatencyP99Seconds { get; init; }

    public double? LatencyMaxSeconds { get; init; }

    public double? CatchUpSeconds { get; init; }

    /// <summary>From the shipper's launch to the first line Loki acknowledged.</summary>
    public double? StartupSeconds { get; init; }

    /// <summary>The time over which <see cref="ShipperCpuSeconds"/> was counted, when it is not the window (the wait for delivery adds to it).</summary>
    public double? CpuWindowSeconds { get; init; }

    /// <summary>The shipper's CPU over the time it was counted, in thousandths of a core.</summary>
    public double Millicores => (CpuWindowSeconds ?? WindowSeconds) is > 0 and var seconds ? ShipperCpuSeconds / seconds * 1000 : double.NaN;

    public long Delivered { get; init; }

    public long Missing { get; init; }

    public long VisibleDuplicates { get; init; }

    public long OutOfOrder { get; init; }

    public long Unexpected { get; init; }

    public long Unreadable { get; init; }

    public long ResentAndDeduplicated { get; init; }

    public bool DeliveredInTime { get; init; }

    public string Notes { get; init; } = "";

    public static string Table(IEnumerable<E2eResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | containers | lines | lines/s | shipper CPU s per M lines | lines/s per core | peak RSS MiB | RSS per added container | p50 / p99 latency | missing | duplicates | out of order | notes |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Containers:N0} | {r.LinesInWindow:N0} | {r.LinesPerSecond:N0} | {Format(r.CpuSecondsPerMillionLines, "F2")} | {Format(r.LinesPerCoreSecond, "N0")} | {r.PeakRssMiB:F0}{(r.HeapMiB is { } heap ? $" (heap {heap:F0})" : "")} | {(r.RssPerAddedContainerKiB is { } kib ? $"{kib:F1} KiB" : "–")} | {Latency(r)} | {r.Missing} | {r.VisibleDuplicates} | {r.OutOfOrder} | {r.Notes} |"));
        }

        return text.ToString();
    }

    /// <summary>This result with the delivery audit's counts.</summary>
    public E2eResult WithAudit(ActorLoki.Simulator.DeliveryReport report) => this with
    {
        Delivered = report.Delivered,
        Missing = report.Missing,
        VisibleDuplicates = report.VisibleDuplicates,
        OutOfOrder = report.OutOfOrder,
        Unexpected = report.Unexpected,
        Unreadable = report.Unreadable,
        ResentAndDeduplicated = report.ResentAndDeduplicated,
    };

    private static string Latency(E2eResult r) => r.LatencyP50Seconds is { } p50 && r.LatencyP99Seconds is { } p99 && !double.IsNaN(p50)
        ? string.Create(CultureInfo.InvariantCulture, $"{p50 * 1000:F0} / {p99 * 1000:F0} ms")
        : "–";

    private static string Format(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
