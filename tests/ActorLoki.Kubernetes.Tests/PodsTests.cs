using ActorLoki.Kubernetes.Models;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Kubernetes.Tests;

public sealed class PodsTests
{
    [Fact]
    public async Task Pods_are_listed_with_label_and_field_selectors()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0") { Labels = new Dictionary<string, string> { ["app"] = "web" }, NodeName = "node-a" });
        api.Cluster.CreatePod(new PodSpecification("web-1") { Labels = new Dictionary<string, string> { ["app"] = "web" }, NodeName = "node-b" });
        api.Cluster.CreatePod(new PodSpecification("db-0") { Labels = new Dictionary<string, string> { ["app"] = "db" }, NodeName = "node-a" });
        api.Cluster.CreatePod(new PodSpecification("other") { Namespace = "dev2" });

        var all = await api.Client.ListPodsAsync(SimulatedApi.Namespace);
        var web = await api.Client.ListPodsAsync(SimulatedApi.Namespace, labelSelector: "app=web");
        var webOnA = await api.Client.ListPodsAsync(SimulatedApi.Namespace, labelSelector: "app in (web)", fieldSelector: "spec.nodeName=node-a");
        var everywhere = await api.Client.ListPodsAsync(null);

        all.Items!.Select(p => p.Metadata!.Name).Should().BeEquivalentTo("web-0", "web-1", "db-0");
        web.Items!.Select(p => p.Metadata!.Name).Should().BeEquivalentTo("web-0", "web-1");
        webOnA.Items!.Select(p => p.Metadata!.Name).Should().Equal("web-0");
        everywhere.Items!.Should().HaveCount(4);
        all.Metadata!.ResourceVersion.Should().Be(api.Cluster.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_paged_list_is_joined_and_keeps_the_first_pages_resource_version()
    {
        await using var api = await SimulatedApi.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            api.CreatePod($"web-{i}");
        }

        var list = await api.Client.ListPodsAsync(SimulatedApi.Namespace, limit: 3);

        list.Items!.Select(p => p.Metadata!.Name).Should().BeEquivalentTo(Enumerable.Range(0, 7).Select(i => $"web-{i}"));
        list.Metadata!.Continue.Should().BeNull();
        api.Faults.Requests.Count(r => r.PathAndQuery.Contains("/pods?", StringComparison.Ordinal)).Should().Be(3);
    }

    [Fact]
    public async Task A_pod_carries_its_containers_and_their_statuses()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0") { Containers = ["app", "proxy"], InitContainers = ["migrate"], Owner = ("ReplicaSet", "web-5d4f") });
        api.Cluster.RestartContainer(SimulatedApi.Namespace, "web-0", "app", exitCode: 137);

        var pod = await api.Client.GetPodAsync(SimulatedApi.Namespace, "web-0");

        pod.Metadata!.Uid.Should().NotBeNullOrEmpty();
        pod.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "ReplicaSet" && o.Name == "web-5d4f" && o.Controller == true);
        pod.Spec!.Containers!.Select(c => c.Name).Should().Equal("app", "proxy");
        pod.Spec.InitContainers!.Select(c => c.Name).Should().Equal("migrate");
        pod.Spec.NodeName.Should().Be("node-1");
        pod.Status!.Phase.Should().Be("Running");
        pod.Status.PodIP.Should().NotBeNullOrEmpty();
        pod.Status.StartTime.Should().NotBeNull();
        var app = pod.Status.ContainerStatuses!.Single(c => c.Name == "app");
        app.RestartCount.Should().Be(1);
        app.Ready.Should().BeTrue();
        app.Started.Should().BeTrue();
        app.ContainerID.Should().StartWith("containerd://");
        app.State!.Running!.StartedAt.Should().NotBeNull();
        app.LastState!.Terminated!.ExitCode.Should().Be(137);
        app.LastState.Terminated.Reason.Should().Be("Error");
        app.LastState.Terminated.ContainerID.Should().NotBe(app.ContainerID);
        var init = pod.Status.InitContainerStatuses!.Single();
        init.State!.Terminated!.Reason.Should().Be("Completed");
        init.State.Terminated.FinishedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task A_missing_pod_is_a_typed_not_found()
    {
        await using var api = await SimulatedApi.StartAsync();

        var get = () => api.Client.GetPodAsync(SimulatedApi.Namespace, "ghost");

        var error = (await get.Should().ThrowAsync<KubernetesNotFoundException>()).Which;
        error.Message.Should().Be("pods \"ghost\" not found");
        error.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        error.Reason.Should().Be("NotFound");
    }

    [Fact]
    public async Task A_watch_from_a_list_delivers_every_later_change_and_bookmarks()
    {
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        api.CreatePod("web-0");
        var list = await api.Client.ListPodsAsync(SimulatedApi.Namespace);
        api.CreatePod("web-1");
        api.Cluster.SetPodLabel(SimulatedApi.Namespace, "web-0", "tier", "front");
        api.Cluster.DeletePod(SimulatedApi.Namespace, "web-1");

        using var cancel = new CancellationTokenSource(Wait.Limit);
        var events = new List<WatchEvent<Pod>>();
        await foreach (var e in api.Client.WatchPodsAsync(SimulatedApi.Namespace, list.Metadata!.ResourceVersion, allowWatchBookmarks: true, cancellationToken: cancel.Token))
        {
            events.Add(e);
            if (e.Type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        events.Select(e => (e.Type, e.Object!.Metadata!.Name)).Should().Equal(
            (WatchEventType.Added, "web-1"),
            (WatchEventType.Modified, "web-0"),
            (WatchEventType.Modified, "web-1"),
            (WatchEventType.Deleted, "web-1"),
            (WatchEventType.Bookmark, null));
        events[1].Object!.Metadata!.Labels!["tier"].Should().Be("front");
        events[2].Object!.Metadata!.DeletionTimestamp.Should().NotBeNull();
        events[^1].Object!.Metadata!.ResourceVersion.Should().Be(api.Cluster.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_watch_from_a_compacted_resource_version_gets_an_expired_error_event()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        var list = await api.Client.ListPodsAsync(SimulatedApi.Namespace);
        api.CreatePod("web-1");
        api.Cluster.Compact();

        using var cancel = new CancellationTokenSource(Wait.Limit);
        var events = new List<WatchEvent<Pod>>();
        await foreach (var e in api.Client.WatchPodsAsync(SimulatedApi.Namespace, list.Metadata!.ResourceVersion, cancellationToken: cancel.Token))
        {
            events.Add(e);
        }

        var error = events.Should().ContainSingle().Which;
        error.Type.Should().Be(WatchEventType.Error);
        error.Status!.Code.Should().Be(410);
        error.Status.Reason.Should().Be("Expired");
        error.Status.Message.Should().StartWith($"too old resource version: {list.Metadata.ResourceVersion} (");
    }

    [Fact]
    public async Task A_watch_ends_cleanly_when_its_timeout_expires()
    {
        await using var api = await SimulatedApi.StartAsync();
        var list = await api.Client.ListPodsAsync(SimulatedApi.Namespace);

        using var cancel = new CancellationTokenSource(Wait.Limit);
        var count = 0;
        await foreach (var unused in api.Client.WatchPodsAsync(SimulatedApi.Namespace, list.Metadata!.ResourceVersion, timeoutSeconds: 1, cancellationToken: cancel.Token))
        {
            count++;
        }

        count.Should().Be(0);
        cancel.IsCancellationRequested.Should().BeFalse();
        api.Faults.Requests.Should().Contain(r => r.PathAndQuery.Contains("timeoutSeconds=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_watch_only_sees_pods_matching_its_selector_and_a_pod_leaving_it_is_deleted()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0") { Labels = new Dictionary<string, string> { ["app"] = "web" } });
        api.Cluster.CreatePod(new PodSpecification("db-0") { Labels = new Dictionary<string, string> { ["app"] = "db" } });
        var list = await api.Client.ListPodsAsync(SimulatedApi.Namespace, labelSelector: "app=web");
        api.Cluster.SetPodLabel(SimulatedApi.Namespace, "db-0", "tier", "x");
        api.Cluster.SetPodLabel(SimulatedApi.Namespace, "web-0", "app", "legacy");
        api.Cluster.SetPodLabel(SimulatedApi.Namespace, "db-0", "app", "web");

        using var cancel = new CancellationTokenSource(Wait.Limit);
        var events = new List<(WatchEventType, string?)>();
        await foreach (var e in api.Client.WatchPodsAsync(SimulatedApi.Namespace, list.Metadata!.ResourceVersion, labelSelector: "app=web", cancellationToken: cancel.Token))
        {
            events.Add((e.Type, e.Object?.Metadata?.Name));
            if (events.Count == 2)
            {
                break;
            }
        }

        events.Should().Equal((WatchEventType.Deleted, "web-0"), (WatchEventType.Added, "db-0"));
    }
}
