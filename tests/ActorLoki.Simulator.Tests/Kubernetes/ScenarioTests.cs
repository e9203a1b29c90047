using System.Text;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;

namespace ActorLoki.Simulator.Tests.Kubernetes;

public sealed class ScenarioTests
{
    [Fact]
    public async Task Containers_write_at_their_rate_with_contiguous_parseable_sequences_of_the_target_size()
    {
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = new ManualTimeProvider() });
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = 3, ContainersPerPod = 2, LinesPerSecondPerContainer = 10, LineBytes = 200 });
        scenario.Start();

        scenario.Advance(TimeSpan.FromSeconds(1)).Should().Be(60);
        scenario.Advance(TimeSpan.FromMilliseconds(250)).Should().Be(12, "2.5 lines per container: 2 now, the half carried over");
        scenario.Advance(TimeSpan.FromMilliseconds(250)).Should().Be(18);

        var lines = simulator.Cluster.Ledger.Lines();
        lines.Should().HaveCount(90);
        foreach (var stream in lines.GroupBy(l => (l.Stream.Pod, l.Stream.Container)))
        {
            stream.Select(l => l.Sequence).Should().Equal(Enumerable.Range(0, 15).Select(i => (long)i));
            stream.Should().OnlyContain(l => l.Text.StartsWith($"seq={l.Sequence:D9} pod={stream.Key.Pod} c={stream.Key.Container} ", StringComparison.Ordinal));
        }

        lines.Should().OnlyContain(l => l.Content.Length == 200);
        lines.Select(l => SimulatedCluster.ParseSequence(l.Content.Span)).Should().Equal(lines.Select(l => l.Sequence));
    }

    [Fact]
    public async Task A_total_rate_is_shared_by_the_running_containers()
    {
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = new ManualTimeProvider() });
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = 4, TotalLinesPerSecond = 1000 });
        scenario.Start();

        scenario.Advance(TimeSpan.FromSeconds(2)).Should().Be(2000);
        simulator.Cluster.Ledger.Lines().GroupBy(l => l.Stream.Pod).Should().OnlyContain(g => g.Count() == 500);
    }

    [Fact]
    public async Task The_same_seed_writes_the_same_lines_and_a_different_seed_does_not()
    {
        var a = await RunAsync(seed: 42);
        var b = await RunAsync(seed: 42);
        var c = await RunAsync(seed: 43);

        a.Should().Equal(b);
        a.Should().NotEqual(c);

        static async Task<List<string>> RunAsync(int seed)
        {
            await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = new ManualTimeProvider() });
            var scenario = new Scenario(simulator.Cluster, new ScenarioOptions
            {
                Seed = seed,
                Pods = 2,
                LinesPerSecondPerContainer = 50,
                StackTraceProbability = 0.05,
                PodChurnPerMinute = 6,
                RestartsPerMinute = 6,
            });
            scenario.Start();
            for (var i = 0; i < 30; i++)
            {
                scenario.Advance(TimeSpan.FromSeconds(1));
            }

            return [.. simulator.Cluster.Ledger.Lines().Select(l => $"{l.Stream.Pod}/{l.Stream.Container}#{l.Stream.Instance} {l.Timestamp} {l.Text}")];
        }
    }

    [Fact]
    public async Task Churn_restarts_init_containers_and_jobs_happen_and_every_line_is_in_the_ledger()
    {
        var clock = new ManualTimeProvider();
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = clock });
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions
        {
            Pods = 3,
            InitContainersPerPod = 1,
            InitContainerLines = 4,
            LinesPerSecondPerContainer = 5,
            PodChurnPerMinute = 2,
            RestartsPerMinute = 3,
            JobsPerMinute = 2,
            JobLines = 7,
            JobTimeToLive = TimeSpan.FromSeconds(20),
            StackTraceProbability = 0.1,
        });
        scenario.Start();
        for (var i = 0; i < 60; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            scenario.Advance(TimeSpan.FromSeconds(1));
        }

        var ledger = simulator.Cluster.Ledger;
        var lines = ledger.Lines();
        lines.Should().HaveCount((int)scenario.LinesWritten);
        lines.Where(l => l.Stream.Container == "init-0").Should().HaveCount(5 * 4, "3 pods and 2 replacements each ran their init container");
        lines.Where(l => l.Stream.Instance > 0).Should().NotBeEmpty("restarted containers write as a new instance");
        lines.Where(l => l.Stream.Pod.StartsWith("job-", StringComparison.Ordinal)).GroupBy(l => l.Stream.Pod).Should().HaveCount(2).And.OnlyContain(g => g.Count() == 7);
        lines.Where(l => l.Text.Contains("ERROR Unhandled exception", StringComparison.Ordinal)).Should().NotBeEmpty();
        lines.Should().Contain(l => l.Text.Contains("   at Shop.Orders", StringComparison.Ordinal));
        lines.Where(l => l.State == LedgerLineState.DeletedUnread).Should().NotBeEmpty("deleted pods took their unread lines");
        simulator.Cluster.Pods().Count(p => p.Name.StartsWith("web-", StringComparison.Ordinal)).Should().Be(3);
        simulator.Cluster.Pods().Should().ContainSingle(p => p.Name.StartsWith("job-", StringComparison.Ordinal), "one job is still within its time to live");
        foreach (var container in lines.Where(l => !l.Stream.Container.StartsWith("init", StringComparison.Ordinal)).GroupBy(l => (l.Stream.PodUid, l.Stream.Container)))
        {
            container.Select(l => l.Sequence).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            container.Last().Sequence.Should().Be(container.Count() - 1, "sequences continue across restarts");
        }
    }

    [Fact]
    public async Task Backwards_timestamps_appear_when_asked_for()
    {
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = new ManualTimeProvider() });
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = 1, BackwardsTimestampProbability = 0.2 });
        scenario.Start();
        scenario.WriteLines(500);

        var stamps = simulator.Cluster.Ledger.Lines().Select(l => l.Timestamp).ToList();

        stamps.Zip(stamps.Skip(1)).Count(p => p.Second < p.First).Should().BeGreaterThan(50);
    }

    [Fact]
    public async Task Rotation_caps_what_each_container_keeps_and_the_ledger_can_keep_metadata_only()
    {
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions
        {
            TimeProvider = new ManualTimeProvider(),
            LogRotationBytes = 64 * 1024,
            LedgerKeepsLineBytes = false,
        });
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = 2 });
        scenario.Start();
        scenario.WriteLines(10_000);

        var lines = simulator.Cluster.Ledger.Lines();
        var readable = lines.Count(l => l.State == LedgerLineState.Unread);

        lines.Should().HaveCount(10_000);
        lines.Should().OnlyContain(l => l.Content.IsEmpty);
        readable.Should().BeLessThan(2 * (64 * 1024 / 200) + 10);
        lines.Count(l => l.State == LedgerLineState.RotatedUnread).Should().Be(10_000 - readable);
        Encoding.UTF8.GetString(lines[0].Content.Span).Should().BeEmpty();
    }
}
