using System.Net;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Tests.Support;

namespace ActorLoki.Kubernetes.Tests;

/// <summary>
/// Every error code reaches the caller as ActorLoki's kind, whether it came through the package (a list, a
/// ConfigMap write: an HttpOperationException inside) or through ActorLoki's own log request.
/// </summary>
public sealed class ErrorMappingTests
{
    private const string Ns = SimulatedApi.Namespace;

    public static TheoryData<int, Type> Codes => new()
    {
        { 400, typeof(KubernetesBadRequestException) },
        { 401, typeof(KubernetesUnauthorizedException) },
        { 403, typeof(KubernetesForbiddenException) },
        { 404, typeof(KubernetesNotFoundException) },
        { 409, typeof(KubernetesConflictException) },
        { 410, typeof(KubernetesGoneException) },
        { 429, typeof(KubernetesTooManyRequestsException) },
        { 500, typeof(KubernetesServerErrorException) },
        { 503, typeof(KubernetesServerErrorException) },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task A_list_answered_with_an_error_code_throws_its_kind_with_the_servers_message(int code, Type kind)
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Faults.FailNextRequests(1, code, "/pods", retryAfterSeconds: 3, message: $"injected {code}");

        var list = () => api.Client.ListPodsAsync(Ns);

        var error = (await list.Should().ThrowAsync<KubernetesApiException>()).Which;
        error.Should().BeOfType(kind);
        ((int)error.StatusCode).Should().Be(code);
        error.Message.Should().Be($"injected {code}");
        error.RequestDescription.Should().Be("GET /api/v1/namespaces/dev1/pods");
        error.Status!.Code.Should().Be(code);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task A_log_request_answered_with_an_error_code_throws_its_kind(int code, Type kind)
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Faults.FailNextRequests(1, code, "/log", retryAfterSeconds: 3, message: $"injected {code}");

        var open = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });

        var error = (await open.Should().ThrowAsync<KubernetesApiException>()).Which;
        error.Should().BeOfType(kind);
        error.Message.Should().Be($"injected {code}");
        error.RequestDescription.Should().Be("GET /api/v1/namespaces/dev1/pods/web-0/log");
    }

    [Fact]
    public async Task Retry_After_reaches_the_caller_of_a_429_and_a_503_on_either_path()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Faults.FailNextRequests(1, 429, "/configmaps", retryAfterSeconds: 9);
        api.Faults.FailNextRequests(1, 503, "/log", retryAfterSeconds: 4);

        var write = () => api.Client.CreateConfigMapAsync(Ns, new k8s.Models.V1ConfigMap { Metadata = new k8s.Models.V1ObjectMeta { Name = "p" } });
        var open = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());

        (await write.Should().ThrowAsync<KubernetesTooManyRequestsException>()).Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(9));
        var unavailable = (await open.Should().ThrowAsync<KubernetesServerErrorException>()).Which;
        unavailable.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        unavailable.RetryAfter.Should().Be(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_watch_refused_with_410_is_a_gone_and_a_watch_denied_by_RBAC_names_the_verb()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.Faults.FailNextRequests(1, 410, "/pods");
        api.Faults.Deny("watch", "pods", Ns);

        var gone = async () => await api.Client.WatchPodsAsync(Ns, "1").FirstAsync();
        var denied = async () => await api.Client.WatchPodsAsync(Ns, "1").FirstAsync();

        await gone.Should().ThrowAsync<KubernetesGoneException>();
        (await denied.Should().ThrowAsync<KubernetesForbiddenException>()).Which.Message
            .Should().Contain("cannot watch resource \"pods\"");
    }
}
