using System.Diagnostics.Metrics;

namespace ActorLoki.Hosting;

/// <summary>
/// Caps the GC's generation 1 (<c>actorloki.memory.gen1-limit</c>). A line's objects live until Loki acknowledges its
/// batch, about a second, so they outlive a 2 MiB gen0 and are promoted to gen1, where they die; the runtime collects
/// gen1 only when its own gen1 budget is spent, and at 1,000 followed containers that budget let gen1 grow to 52 MB of
/// mostly dead objects, all of it committed (peak RSS 190-208 MiB, docs/performance.md). The runtime reads a gen1 cap
/// only from an environment variable (<c>DOTNET_GCgen1MaxBudget</c>), which the binary cannot carry; so every
/// <see cref="CheckInterval"/> this looks at gen1 as the last collection left it and, when it is over the limit, runs
/// one gen1 collection (a few milliseconds: it marks only what is alive in gen0 and gen1).
/// </summary>
internal sealed class Gen1Limiter(long limitBytes, TimeProvider time, Counter<long> collections)
{
    /// <summary>How often gen1 is looked at (reading the GC's figures costs nothing).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>True when gen1 holds <paramref name="limitBytes"/> or more; a limit of 0 is no limit.</summary>
    public static bool IsOver(long gen1Bytes, long limitBytes) => limitBytes > 0 && gen1Bytes >= limitBytes;

    public async Task RunAsync(CancellationToken stopped)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopped).ConfigureAwait(false))
            {
                Check();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Looks at gen1 once and collects it when it is over the limit; true when it did.</summary>
    public bool Check()
    {
        if (!IsOver(GC.GetGCMemoryInfo(GCKind.Any).GenerationInfo[1].SizeAfterBytes, limitBytes))
        {
            return false;
        }

        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        collections.Add(1);
        return true;
    }
}
