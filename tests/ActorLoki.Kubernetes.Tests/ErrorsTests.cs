using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Testing;

namespace ActorLoki.Kubernetes.Tests;

public sealed class ErrorsTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_403_carries_the_servers_message_naming_user_verb_resource_and_namespace()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Faults.Deny("list", "pods", Ns);
        api.Faults.Deny("get", "pods/log");

        var list = () => api.Client.ListPodsAsync(Ns);
        var log = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());

        var listError = (await list.Should().ThrowAsync<KubernetesForbiddenException>()).Which;
        listError.Message.Should().Be("pods is forbidden: User \"system:serviceaccount:dev1:actorloki\" cannot list resource \"pods\" in API group \"\" in the namespace \"dev1\"");
        listError.Reason.Should().Be("Forbidden");
        listError.RequestDescription.Should().Be("GET /api/v1/namespaces/dev1/pods");
        (await log.Should().ThrowAsync<KubernetesForbiddenException>()).Which.Message
            .Should().Be("pods \"web-0\" is forbidden: User \"system:serviceaccount:dev1:actorloki\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"dev1\"");
    }

    [Fact]
    public async Task A_429_carries_its_Retry_After()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Faults.FailNextRequests(1, 429, retryAfterSeconds: 7, message: "Too many requests, please try again later.");

        var list = () => api.Client.ListPodsAsync(Ns);

        var error = (await list.Should().ThrowAsync<KubernetesTooManyRequestsException>()).Which;
        error.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        error.Message.Should().Be("Too many requests, please try again later.");
    }

    [Fact]
    public async Task Server_errors_are_typed_and_a_conflict_is_a_conflict()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Faults.FailNextRequests(1, 503);
        api.Faults.FailNextRequests(1, 500);

        var first = () => api.Client.ListPodsAsync(Ns);
        var second = () => api.Client.ListPodsAsync(Ns);

        (await first.Should().ThrowAsync<KubernetesServerErrorException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.ServiceUnavailable);
        (await second.Should().ThrowAsync<KubernetesServerErrorException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.InternalServerError);
        (await api.Client.ListPodsAsync(Ns)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task A_short_request_that_does_not_answer_in_time_times_out()
    {
        var clock = new ManualTimeProvider();
        await using var api = await SimulatedApi.StartAsync(settings: new KubernetesClientSettings { RequestTimeout = TimeSpan.FromSeconds(30) }, clientTime: clock);
        api.Faults.DelayRequests(TimeSpan.FromMinutes(5), "/pods");

        var list = api.Client.ListPodsAsync(Ns);
        clock.Advance(TimeSpan.FromSeconds(30));

        (await list.Awaiting(l => l).Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("GET api/v1/namespaces/dev1/pods");
    }

    [Fact]
    public async Task A_long_running_log_follow_has_no_request_timeout()
    {
        var clock = new ManualTimeProvider();
        await using var api = await SimulatedApi.StartAsync(settings: new KubernetesClientSettings { RequestTimeout = TimeSpan.FromSeconds(30) }, clientTime: clock);
        api.CreatePod("web-0");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });

        clock.Advance(TimeSpan.FromHours(1));
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 still following");

        using var chunk = await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit);
        chunk!.GetString(0).Should().Be("seq=0 still following");
        clock.ActiveTimers.Should().Be(0, "a follow arms no timer");
    }
}
