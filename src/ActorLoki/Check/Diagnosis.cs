using System.Text.RegularExpressions;
using ActorLoki.Kubernetes;

namespace ActorLoki.Check;

/// <summary>What went wrong in one check, and what to do about it.</summary>
/// <param name="Problem">What happened, in a line (the server's own words where it has them).</param>
/// <param name="Fixes">What to change, then how to verify; one line each.</param>
internal sealed partial record Diagnosis(string Problem, IReadOnlyList<string> Fixes)
{
    /// <summary>The fix for a failed Kubernetes request made for <paramref name="verb"/> on <paramref name="resource"/>.</summary>
    public static Diagnosis ForKubernetes(Exception error, string verb, string resource, string? @namespace, TimeSpan timeout) => error switch
    {
        KubernetesForbiddenException forbidden => Forbidden(forbidden, verb, resource, @namespace),
        KubernetesUnauthorizedException unauthorized => new(
            $"401 Unauthorized: {unauthorized.Message}",
            [
                "in a pod: check that its ServiceAccount exists and automountServiceAccountToken is not false (projected tokens expire; ActorLoki re-reads the file)",
                "outside: renew the kubeconfig's credentials; an exec plugin (aws eks get-token) must work in this shell",
            ]),
        KubernetesApiException api => new($"{(int)api.StatusCode} {api.Reason ?? "error"}: {api.Message}", ["see the API server's message above"]),
        KubernetesConfigurationException configuration => new(configuration.Message, KubernetesConfigurationFixes),
        KubernetesCertificateException certificate => new(
            certificate.Message,
            ["trust the CA that signed the server's certificate (certificate-authority in the kubeconfig, ca.crt in a pod), or set tls-server-name to a name the certificate holds"]),
        HttpRequestException transport => new(
            $"cannot reach the API server: {Describe(transport)}",
            ["check the server address (kubeconfig, or KUBERNETES_SERVICE_HOST in a pod), DNS, and network policies that may block egress to it"]),
        OperationCanceledException or TimeoutException => new(
            $"no answer within {timeout.TotalSeconds:0.#} s",
            ["check the network path to the API server; raise actorloki.check.timeout for a slow server"]),
        _ => new($"{error.GetType().Name}: {error.Message}", ["run again with --set logging.level=Debug for details"]),
    };

    public static IReadOnlyList<string> KubernetesConfigurationFixes { get; } =
    [
        "in a pod: the service-account token must be mounted (automountServiceAccountToken)",
        "outside: set KUBECONFIG, or actorloki.kubernetes.kubeconfig and actorloki.kubernetes.context",
    ];

    /// <summary>
    /// A 403 names the user, verb, resource and namespace (<c>pods is forbidden: User "u" cannot watch resource "pods"
    /// in API group "" in the namespace "dev"</c>); the fix grants exactly that. What was asked is the fallback.
    /// </summary>
    private static Diagnosis Forbidden(KubernetesForbiddenException forbidden, string verb, string resource, string? @namespace)
    {
        var match = ForbiddenPattern().Match(forbidden.Message);
        var user = match.Groups["user"].Success ? match.Groups["user"].Value : "ActorLoki's service account";
        verb = match.Groups["verb"].Success ? match.Groups["verb"].Value : verb;
        resource = match.Groups["resource"].Success ? match.Groups["resource"].Value : resource;
        var group = match.Groups["group"].Success ? match.Groups["group"].Value : "";
        @namespace = match.Groups["namespace"].Success ? match.Groups["namespace"].Value : @namespace;
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var canI = slash > 0
            ? $"kubectl auth can-i {verb} {resource[..slash]} --subresource={resource[(slash + 1)..]}"
            : $"kubectl auth can-i {verb} {resource}";
        var scope = @namespace is null ? "cluster-wide (a ClusterRole)" : $"in namespace {@namespace} (a Role there)";
        return new(
            $"403 Forbidden: {forbidden.Message}",
            [
                $"grant verb \"{verb}\" on resource \"{resource}\" (API group \"{group}\") to {user} {scope}; deploy/base/role.yaml lists every rule ActorLoki needs",
                $"verify: {canI}{(@namespace is null ? " --all-namespaces" : $" -n {@namespace}")} --as={user}",
            ]);
    }

    private static string Describe(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;

    [GeneratedRegex("""User "(?<user>[^"]*)" cannot (?<verb>[a-z]+) resource "(?<resource>[^"]+)"(?: in API group "(?<group>[^"]*)")?(?: in the namespace "(?<namespace>[^"]+)")?""", RegexOptions.CultureInvariant)]
    private static partial Regex ForbiddenPattern();
}
