using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Cluster;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorLoki.Shipper.Tests.Cluster;

/// <summary>Every cross-node message goes through ActorLoki's serializer and comes back equal (a pod with all it carries).</summary>
public sealed class ClusterMessageSerializerTests : TestKit
{
    private static readonly Pod SamplePod = new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new ObjectMeta { Name = "web-0", Namespace = "shop", Uid = "uid-1", ResourceVersion = "42", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "img:1", Ports = [new ContainerPort { Name = "management", Number = 8558 }] }], NodeName = "node-1" },
        Status = new PodStatus
        {
            Phase = "Running",
            PodIP = "10.0.0.7",
            StartTime = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
            ContainerStatuses = [new ContainerStatus { Name = "app", RestartCount = 2, ContainerID = "containerd://abc", Ready = true, State = new ContainerState { Running = new ContainerStateRunning { StartedAt = new DateTimeOffset(2026, 12, 3, 10, 0, 1, TimeSpan.Zero) } } }],
        },
    };

    public static TheoryData<string> Messages() => ["E", "P", "D", "X", "N", "H"];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_cluster_message_round_trips(string manifest)
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        object message = manifest switch
        {
            "E" => new EnsureStream("uid-1", "app", "42"),
            "P" => new StreamPod("uid-1", "app", SamplePod),
            "D" => new StreamPodDeleted("uid-1", "app", SamplePod),
            "X" => new StreamNotWanted("uid-1", "app"),
            "N" => new NeedPod("uid-1", "app"),
            _ => HandOff.Instance,
        };

        serializer.Manifest(message).Should().Be(manifest);
        var back = serializer.FromBinary(serializer.ToBinary(message), manifest);

        back.Should().BeOfType(message.GetType());
        switch (back)
        {
            case StreamPod pod:
                pod.PodUid.Should().Be("uid-1");
                pod.Container.Should().Be("app");
                PodJson.Serialize(pod.Pod).Should().Equal(PodJson.Serialize(SamplePod));
                pod.Pod.Spec!.Containers![0].Ports![0].Number.Should().Be(8558);
                pod.Pod.Status!.ContainerStatuses![0].RestartCount.Should().Be(2);
                break;
            case StreamPodDeleted deleted:
                deleted.PodUid.Should().Be("uid-1");
                PodJson.Serialize(deleted.Pod).Should().Equal(PodJson.Serialize(SamplePod));
                break;
            default:
                back.Should().Be(message);
                break;
        }
    }

    [Fact]
    public void A_truncated_message_is_refused_rather_than_misread()
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new StreamPod("uid-1", "app", SamplePod));

        var read = () => serializer.FromBinary(bytes[..3], "P");
        var unknown = () => serializer.FromBinary(bytes, "Z");

        read.Should().Throw<System.Runtime.Serialization.SerializationException>();
        unknown.Should().Throw<System.Runtime.Serialization.SerializationException>();
    }

    [Fact]
    public void Messages_of_other_types_are_not_this_serializers()
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);

        var manifest = () => serializer.Manifest("a string");

        manifest.Should().Throw<ArgumentException>();
    }
}
