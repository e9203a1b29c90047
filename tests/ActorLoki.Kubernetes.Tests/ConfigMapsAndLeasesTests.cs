using System.Text;
using k8s.Models;
using ActorLoki.Kubernetes.Tests.Support;

namespace ActorLoki.Kubernetes.Tests;

public sealed class ConfigMapsAndLeasesTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_ConfigMap_is_created_read_updated_optimistically_patched_and_deleted()
    {
        await using var api = await SimulatedApi.StartAsync();
        var created = await api.Client.CreateConfigMapAsync(Ns, new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "actorloki-positions", Labels = new Dictionary<string, string> { ["app"] = "actorloki" } },
            Data = new Dictionary<string, string> { ["a"] = "1" },
        });

        var read = await api.Client.GetConfigMapAsync(Ns, "actorloki-positions");
        read.Data!["b"] = "2";
        var updated = await api.Client.UpdateConfigMapAsync(Ns, read);
        var stale = () => api.Client.UpdateConfigMapAsync(Ns, read);
        var patched = await api.Client.PatchConfigMapAsync(Ns, "actorloki-positions",
            JsonMergePatch.ForData([new("a", null), new("c", "3")], updated.Metadata!.ResourceVersion));
        var stalePatch = () => api.Client.PatchConfigMapAsync(Ns, "actorloki-positions", JsonMergePatch.ForData([new("d", "4")], updated.Metadata!.ResourceVersion));

        created.Metadata!.Uid.Should().NotBeNullOrEmpty();
        created.Metadata.Labels.Should().Contain("app", "actorloki");
        updated.Metadata!.ResourceVersion.Should().NotBe(created.Metadata.ResourceVersion);
        updated.Metadata.Uid.Should().Be(created.Metadata.Uid);
        var conflict = (await stale.Should().ThrowAsync<KubernetesConflictException>()).Which;
        conflict.AlreadyExists.Should().BeFalse();
        conflict.Message.Should().Be("Operation cannot be fulfilled on configmaps \"actorloki-positions\": the object has been modified; please apply your changes to the latest version and try again");
        patched.Data.Should().BeEquivalentTo(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" });
        await stalePatch.Should().ThrowAsync<KubernetesConflictException>();

        await api.Client.DeleteConfigMapAsync(Ns, "actorloki-positions");
        (await api.Client.TryGetConfigMapAsync(Ns, "actorloki-positions")).Should().BeNull();
        var deleteAgain = () => api.Client.DeleteConfigMapAsync(Ns, "actorloki-positions");
        await deleteAgain.Should().ThrowAsync<KubernetesNotFoundException>();
    }

    [Fact]
    public async Task Creating_an_existing_ConfigMap_is_a_conflict_of_kind_already_exists()
    {
        await using var api = await SimulatedApi.StartAsync();
        var configMap = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "p" }, BinaryData = new Dictionary<string, byte[]> { ["blob"] = [0, 1, 255] } };
        var first = await api.Client.CreateConfigMapAsync(Ns, configMap);

        var again = () => api.Client.CreateConfigMapAsync(Ns, configMap);

        first.BinaryData!["blob"].Should().Equal(0, 1, 255);
        var error = (await again.Should().ThrowAsync<KubernetesConflictException>()).Which;
        error.AlreadyExists.Should().BeTrue();
        error.Message.Should().Be("configmaps \"p\" already exists");
    }

    [Fact]
    public async Task A_Lease_round_trips_its_micro_times_and_updates_optimistically()
    {
        await using var api = await SimulatedApi.StartAsync();
        var acquired = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1234560);
        var lease = await api.Client.CreateLeaseAsync(Ns, new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "actorloki-member-a", Labels = new Dictionary<string, string> { ["actorloki.io/group"] = "shippers" } },
            Spec = new V1LeaseSpec { HolderIdentity = "pod-a", LeaseDurationSeconds = 15, AcquireTime = acquired, RenewTime = acquired, LeaseTransitions = 0 },
        });
        await api.Client.CreateLeaseAsync(Ns, new V1Lease { Metadata = new V1ObjectMeta { Name = "other" } });

        lease.Spec!.RenewTime = acquired.AddSeconds(10);
        var renewed = await api.Client.UpdateLeaseAsync(Ns, lease);
        var stale = () => api.Client.UpdateLeaseAsync(Ns, lease);
        var members = await api.Client.ListLeasesAsync(Ns, "actorloki.io/group=shippers");
        var patched = await api.Client.PatchLeaseAsync(Ns, "actorloki-member-a", Encoding.UTF8.GetBytes("""{"spec":{"holderIdentity":"pod-b"}}"""));

        renewed.Spec!.AcquireTime.Should().Be(acquired);
        renewed.Spec.RenewTime.Should().Be(acquired.AddSeconds(10));
        (await stale.Should().ThrowAsync<KubernetesConflictException>()).Which.Message.Should().Contain("leases.coordination.k8s.io \"actorloki-member-a\"");
        members.Items!.Select(l => l.Metadata!.Name).Should().Equal("actorloki-member-a");
        patched.Spec!.HolderIdentity.Should().Be("pod-b");
        patched.Spec.LeaseDurationSeconds.Should().Be(15);
        api.Faults.Requests.Should().Contain(r => r.Method == "PUT" && r.PathAndQuery == "/apis/coordination.k8s.io/v1/namespaces/dev1/leases/actorloki-member-a");
        await api.Client.DeleteLeaseAsync(Ns, "actorloki-member-a");
        var get = () => api.Client.GetLeaseAsync(Ns, "actorloki-member-a");
        await get.Should().ThrowAsync<KubernetesNotFoundException>();
    }
}
