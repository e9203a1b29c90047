using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ActorLoki.Benchmarks.Micro;

/// <summary>
/// BenchmarkDotNet micro-benchmarks of the hot paths: <c>micro [filter]</c>, e.g. <c>micro '*Snappy*'</c>
/// (default: all). A short in-process job (3 warm-ups, 3 iterations), so the whole set runs in minutes;
/// arguments starting with <c>--</c> go to BenchmarkDotNet's switcher unchanged.
/// </summary>
public sealed class MicroBenchmark : IBenchmark
{
    public string Name => "micro";

    public string Description => "BenchmarkDotNet: line splitting and timestamps, batch encoding + snappy, actor messaging";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var switcherArgs = args.Length == 0 ? ["--filter", "*"] : args[0].StartsWith("--", StringComparison.Ordinal) ? args : ["--filter", .. args];
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromTypes([typeof(LogLineBenchmarks), typeof(LokiEncodeBenchmarks), typeof(ActorMessagingBenchmarks)]).Run(switcherArgs, config);
        return Task.FromResult(summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0);
    }
}
