using System.Text;

namespace ActorLoki.Kubernetes.Tests.Support;

/// <summary>Kubeconfig text for tests: one cluster, one user and one current context, with the lines each test cares about.</summary>
internal static class KubeconfigYaml
{
    public static string Single(string server, IEnumerable<string> cluster, IEnumerable<string> user, string? @namespace = null)
    {
        var yaml = new StringBuilder("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: s\n  cluster:\n");
        yaml.Append("    server: ").Append(server).Append('\n');
        foreach (var line in cluster)
        {
            yaml.Append("    ").Append(line).Append('\n');
        }

        yaml.Append("users:\n- name: u\n  user:\n");
        foreach (var line in user)
        {
            yaml.Append("    ").Append(line).Append('\n');
        }

        yaml.Append("contexts:\n- name: c\n  context:\n    cluster: s\n    user: u\n");
        if (@namespace is not null)
        {
            yaml.Append("    namespace: ").Append(@namespace).Append('\n');
        }

        return yaml.ToString();
    }
}
