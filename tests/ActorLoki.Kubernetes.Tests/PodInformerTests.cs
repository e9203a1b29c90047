using ActorLoki.Kubernetes.Informers;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Kubernetes.Tests;

public sealed class PodInformerTests
{
    private static readonly PodInformerOptions Fast = new()
    {
        Namespace = SimulatedApi.Namespace,
        MinBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task The_informer_lists_then_watches_and_reports_every_change()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.CreatePod("web-1");
        await using var run = Run(api, Fast);

        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);
        (await run.NextAsync(2)).Should().BeEquivalentTo([Ev(PodEventType.Added, "web-0", false), Ev(PodEventType.Added, "web-1", false)]);
        run.Informer.HasSynced.Should().BeTrue();

        api.CreatePod("web-2");
        api.Cluster.RestartContainer(SimulatedApi.Namespace, "web-0", "app");
        api.Cluster.DeletePod(SimulatedApi.Namespace, "web-1");

        (await run.NextAsync(4)).Should().Equal(
            Ev(PodEventType.Added, "web-2", false),
            Ev(PodEventType.Modified, "web-0", false),
            Ev(PodEventType.Modified, "web-1", false),
            Ev(PodEventType.Deleted, "web-1", false));
        run.Informer.Statistics.Lists.Should().Be(1);
    }

    [Fact]
    public async Task Bookmarks_advance_the_resource_version_the_informer_watches_from()
    {
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(50) });
        api.CreatePod("web-0");
        await using var run = Run(api, Fast);
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);
        await run.NextAsync(1);

        // Changes to other kinds move the resourceVersion without any pod event; only a bookmark tells the informer.
        await api.Client.CreateConfigMapAsync(SimulatedApi.Namespace, new k8s.Models.V1ConfigMap { Metadata = new k8s.Models.V1ObjectMeta { Name = "unrelated" } });
        var head = api.Cluster.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await Wait.UntilAsync(() => run.Informer.ResourceVersion == head, "a bookmark carried the new resourceVersion");
    }

    [Fact]
    public async Task After_410_the_informer_relists_and_reports_what_changed_unseen_including_deletions()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("stays");
        api.CreatePod("vanishes");
        api.CreatePod("changes");
        await using var run = Run(api, Fast);
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);
        await run.NextAsync(3);

        // The watch goes silent while the namespace changes and the history is compacted away.
        api.Faults.StallWatches();
        await Wait.UntilAsync(() => api.Faults.OpenWatches == 1, "the informer watches");
        api.Cluster.DeletePod(SimulatedApi.Namespace, "vanishes");
        api.CreatePod("appears");
        api.Cluster.SetPodLabel(SimulatedApi.Namespace, "changes", "version", "2");
        api.Cluster.Compact();
        api.Faults.DropWatches();
        api.Faults.ResumeWatches();

        var events = await run.NextAsync(3);

        events.Should().BeEquivalentTo([
            Ev(PodEventType.Deleted, "vanishes", true),
            Ev(PodEventType.Added, "appears", true),
            Ev(PodEventType.Modified, "changes", true)]);
        run.Informer.Statistics.Expirations.Should().Be(1);
        run.Informer.Statistics.Lists.Should().Be(2);

        api.CreatePod("after-relist");
        (await run.NextAsync(1)).Should().Equal(Ev(PodEventType.Added, "after-relist", false));
    }

    [Fact]
    public async Task A_pod_recreated_with_the_same_name_while_unseen_is_reported_deleted_then_added()
    {
        await using var api = await SimulatedApi.StartAsync();
        var first = api.CreatePod("db-0");
        await using var run = Run(api, Fast);
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);
        await run.NextAsync(1);

        api.Faults.StallWatches();
        await Wait.UntilAsync(() => api.Faults.OpenWatches == 1, "the informer watches");
        api.Cluster.DeletePod(SimulatedApi.Namespace, "db-0");
        var second = api.CreatePod("db-0");
        api.Cluster.Compact();
        api.Faults.DropWatches();
        api.Faults.ResumeWatches();

        var events = await run.NextRawAsync(2);
        events.Select(e => (e.Type, e.Pod.Metadata!.Uid)).Should().Equal((PodEventType.Deleted, first.Uid), (PodEventType.Added, second.Uid));
    }

    [Fact]
    public async Task A_watch_ended_by_the_server_is_reopened_from_its_resource_version_without_a_new_list()
    {
        await using var api = await SimulatedApi.StartAsync();
        await using var run = Run(api, Fast with { WatchTimeout = TimeSpan.FromSeconds(1) });
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);

        await Wait.UntilAsync(() => run.Informer.Statistics.Watches >= 2, "the informer watched again");
        api.CreatePod("web-0");

        (await run.NextAsync(1)).Should().Equal(Ev(PodEventType.Added, "web-0", false));
        run.Informer.Statistics.Lists.Should().Be(1);
        run.Informer.Statistics.Failures.Should().Be(0);
    }

    [Fact]
    public async Task A_silent_watch_is_dropped_and_reopened()
    {
        await using var api = await SimulatedApi.StartAsync();
        await using var run = Run(api, Fast with { SilenceLimit = TimeSpan.FromMilliseconds(300) });
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);
        api.Faults.StallWatches();
        api.CreatePod("web-0");

        await Wait.UntilAsync(() => run.Informer.Statistics.SilentWatches >= 1, "the silent watch was dropped");
        api.Faults.ResumeWatches();

        (await run.NextAsync(1)).Should().Equal(Ev(PodEventType.Added, "web-0", false));
        api.Logs.Entries.Should().Contain(e => e.Id.Id == 5113);
    }

    [Fact]
    public async Task Failed_lists_are_retried_with_back_off_and_the_reason_is_logged()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Faults.FailNextRequests(2, 503, "/pods");
        await using var run = Run(api, Fast);

        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);

        (await run.NextAsync(1)).Should().Equal(Ev(PodEventType.Added, "web-0", false));
        run.Informer.Statistics.Failures.Should().Be(2);
        // The server's message, not a stack trace on every retry.
        api.Logs.Entries.Where(e => e.Id.Id == 5114).Should().HaveCount(2)
            .And.OnlyContain(e => e.Exception == null && e.Message.Contains("retrying in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_denied_watch_is_retried_and_the_servers_RBAC_message_reaches_the_log()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Faults.Deny("watch", "pods", SimulatedApi.Namespace);
        await using var run = Run(api, Fast);
        await run.Informer.WaitForSyncAsync().WaitAsync(Wait.Limit);

        await Wait.UntilAsync(() => run.Informer.Statistics.Failures >= 2, "the watch was retried");

        api.Logs.Entries.Where(e => e.Id.Id == 5114).Select(e => e.Message).Should()
            .Contain(m => m.Contains("pods is forbidden: User \"system:serviceaccount:dev1:actorloki\" cannot watch resource \"pods\" in API group \"\" in the namespace \"dev1\"", StringComparison.Ordinal));
        api.Faults.ClearDenials();
        api.CreatePod("web-0");
        (await run.NextAsync(1)).Should().Equal(Ev(PodEventType.Added, "web-0", false));
    }

    [Fact]
    public async Task An_exception_in_the_handler_ends_the_informer_with_that_exception()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        var informer = new PodInformer(api.Client, Fast, (_, _) => throw new InvalidOperationException("handler bug"));

        var run = () => informer.RunAsync(CancellationToken.None).WaitAsync(Wait.Limit);

        (await run.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Be("handler bug");
    }

    private static (PodEventType, string, bool) Ev(PodEventType type, string name, bool relist) => (type, name, relist);

    private static InformerRun Run(SimulatedApi api, PodInformerOptions options) => new(api.Client, options);
}
