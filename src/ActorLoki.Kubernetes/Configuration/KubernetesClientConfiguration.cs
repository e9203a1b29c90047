using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ActorLoki.Kubernetes.Configuration;

/// <summary>How the client finds the API server.</summary>
public enum KubernetesConnectionMode
{
    /// <summary>In cluster when <c>KUBERNETES_SERVICE_HOST</c> is set, else kubeconfig.</summary>
    Auto,
    InCluster,
    Kubeconfig,
}

/// <summary>
/// Where the API server is and how to authenticate to it: built in cluster from the service account,
/// from a kubeconfig, or directly (tests, the demo).
/// </summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The API server, e.g. <c>https://10.0.0.1:443/</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>The default namespace: the pod's own in cluster, the context's from a kubeconfig.</summary>
    public string? Namespace { get; init; }

    /// <summary>CA certificates trusted for the server's certificate; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Accept any server certificate. Never in production.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name checked against the server's certificate when it differs from the server's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>A client certificate (with its private key) for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    public KubernetesCredentials Credentials { get; init; } = KubernetesCredentials.None;

    /// <summary>Where this configuration came from, for logs: <c>in-cluster</c> or <c>kubeconfig ~/.kube/config context dev</c>.</summary>
    public string Source { get; init; } = "explicit";

    /// <summary>Default token re-read interval for token files (in cluster and kubeconfig <c>tokenFile</c>).</summary>
    public static readonly TimeSpan DefaultTokenRefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>True when <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c> are set.</summary>
    public static bool IsInCluster(KubernetesEnvironment? environment = null)
    {
        environment ??= KubernetesEnvironment.System;
        return environment.GetVariable("KUBERNETES_SERVICE_HOST") is not null && environment.GetVariable("KUBERNETES_SERVICE_PORT") is not null;
    }

    /// <summary>Loads the configuration for <paramref name="mode"/>.</summary>
    public static KubernetesClientConfiguration Load(
        KubernetesConnectionMode mode = KubernetesConnectionMode.Auto,
        string? kubeconfigPath = null,
        string? context = null,
        TimeSpan? tokenRefreshInterval = null,
        KubernetesEnvironment? environment = null)
    {
        environment ??= KubernetesEnvironment.System;
        return mode switch
        {
            KubernetesConnectionMode.InCluster => InCluster(tokenRefreshInterval, environment),
            KubernetesConnectionMode.Kubeconfig => FromKubeconfig(kubeconfigPath, context, tokenRefreshInterval, environment),
            _ when string.IsNullOrEmpty(kubeconfigPath) && IsInCluster(environment) => InCluster(tokenRefreshInterval, environment),
            _ => FromKubeconfig(kubeconfigPath, context, tokenRefreshInterval, environment),
        };
    }

    /// <summary>
    /// The pod's service account: the API server from <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>, the CA
    /// bundle, the namespace file, and the token file re-read every <paramref name="tokenRefreshInterval"/>.
    /// </summary>
    public static KubernetesClientConfiguration InCluster(TimeSpan? tokenRefreshInterval = null, KubernetesEnvironment? environment = null)
    {
        environment ??= KubernetesEnvironment.System;
        var host = environment.GetVariable("KUBERNETES_SERVICE_HOST")
            ?? throw new KubernetesConfigurationException("Not running in a cluster: KUBERNETES_SERVICE_HOST is not set.");
        var port = environment.GetVariable("KUBERNETES_SERVICE_PORT")
            ?? throw new KubernetesConfigurationException("Not running in a cluster: KUBERNETES_SERVICE_PORT is not set.");
        var directory = environment.ServiceAccountDirectory;
        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubernetesConfigurationException($"The service-account token {tokenPath} does not exist (is automountServiceAccountToken false?).");
        }

        var caPath = Path.Combine(directory, "ca.crt");
        var namespacePath = Path.Combine(directory, "namespace");
        // An IPv6 service address needs brackets in a URI.
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}/"),
            Namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : null,
            CertificateAuthorities = File.Exists(caPath) ? LoadCertificates(File.ReadAllText(caPath), caPath) : null,
            Credentials = KubernetesCredentials.TokenFile(tokenPath, tokenRefreshInterval ?? DefaultTokenRefreshInterval),
            Source = "in-cluster",
        };
    }

    /// <summary>
    /// A kubeconfig: <paramref name="path"/>, else every file of <c>KUBECONFIG</c> (merged, the first to define
    /// a name wins), else <c>~/.kube/config</c>; the context <paramref name="context"/>, else the current one.
    /// </summary>
    public static KubernetesClientConfiguration FromKubeconfig(
        string? path = null,
        string? context = null,
        TimeSpan? tokenRefreshInterval = null,
        KubernetesEnvironment? environment = null)
    {
        environment ??= KubernetesEnvironment.System;
        var files = KubeconfigFiles(path, environment);
        var merged = Merge(files);
        var contextName = string.IsNullOrEmpty(context) ? merged.CurrentContext : context;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubernetesConfigurationException($"The kubeconfig ({string.Join(", ", files.Select(f => f.Path))}) sets no current-context and no context was given.");
        }

        if (!merged.Contexts.TryGetValue(contextName, out var namedContext) || namedContext.Item.Context is not { } ctx)
        {
            throw new KubernetesConfigurationException(
                $"The kubeconfig has no context '{contextName}'; it has: {string.Join(", ", merged.Contexts.Keys.Order(StringComparer.Ordinal))}.");
        }

        if (ctx.Cluster is null || !merged.Clusters.TryGetValue(ctx.Cluster, out var namedCluster) || namedCluster.Item.Cluster is not { } cluster)
        {
            throw new KubernetesConfigurationException($"The context '{contextName}' names cluster '{ctx.Cluster}', which the kubeconfig does not define.");
        }

        if (string.IsNullOrEmpty(cluster.Server) || !Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubernetesConfigurationException($"The cluster '{ctx.Cluster}' has no valid server address ('{cluster.Server}').");
        }

        KubeconfigUser? user = null;
        var userDirectory = namedCluster.Directory;
        if (!string.IsNullOrEmpty(ctx.User))
        {
            if (!merged.Users.TryGetValue(ctx.User, out var namedUser))
            {
                throw new KubernetesConfigurationException($"The context '{contextName}' names user '{ctx.User}', which the kubeconfig does not define.");
            }

            user = namedUser.Item.User;
            userDirectory = namedUser.Directory;
        }

        return new KubernetesClientConfiguration
        {
            Server = server.AbsolutePath.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/"),
            Namespace = string.IsNullOrEmpty(ctx.Namespace) ? "default" : ctx.Namespace,
            CertificateAuthorities = ReadClusterCa(cluster, namedCluster.Directory),
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = string.IsNullOrEmpty(cluster.TlsServerName) ? null : cluster.TlsServerName,
            ClientCertificate = user is null ? null : ReadClientCertificate(user, userDirectory, ctx.User!),
            Credentials = user is null ? KubernetesCredentials.None : ReadCredentials(user, userDirectory, ctx.User!, tokenRefreshInterval ?? DefaultTokenRefreshInterval),
            Source = $"kubeconfig {string.Join(Path.PathSeparator, files.Select(f => f.Path))} context {contextName}",
        };
    }

    private static List<(string Path, KubeconfigFile File)> KubeconfigFiles(string? path, KubernetesEnvironment environment)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path)
                ? [(Path.GetFullPath(path), Parse(path))]
                : throw new KubernetesConfigurationException($"The kubeconfig {path} does not exist.");
        }

        if (environment.GetVariable("KUBECONFIG") is { } list)
        {
            // As kubectl does, files of the list that do not exist are skipped.
            var files = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists)
                .Select(p => (Path.GetFullPath(p), Parse(p)))
                .ToList();
            return files.Count > 0
                ? files
                : throw new KubernetesConfigurationException($"None of the files in KUBECONFIG ({list}) exists.");
        }

        var home = environment.HomeDirectory
            ?? throw new KubernetesConfigurationException("No kubeconfig: KUBECONFIG is not set and there is no home directory.");
        var defaultPath = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultPath)
            ? [(defaultPath, Parse(defaultPath))]
            : throw new KubernetesConfigurationException($"No kubeconfig: KUBECONFIG is not set and {defaultPath} does not exist.");
    }

    private static KubeconfigFile Parse(string path)
    {
        try
        {
            var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
            return deserializer.Deserialize<KubeconfigFile?>(File.ReadAllText(path)) ?? new KubeconfigFile();
        }
        catch (YamlException e)
        {
            throw new KubernetesConfigurationException($"The kubeconfig {path} is not valid YAML ({e.Start}): {e.Message}", e);
        }
    }

    private static MergedKubeconfig Merge(List<(string Path, KubeconfigFile File)> files)
    {
        var merged = new MergedKubeconfig();
        foreach (var (path, file) in files)
        {
            var directory = Path.GetDirectoryName(path) ?? ".";
            merged.CurrentContext ??= string.IsNullOrEmpty(file.CurrentContext) ? null : file.CurrentContext;
            foreach (var cluster in file.Clusters ?? [])
            {
                if (cluster.Name is not null)
                {
                    merged.Clusters.TryAdd(cluster.Name, (cluster, directory));
                }
            }

            foreach (var context in file.Contexts ?? [])
            {
                if (context.Name is not null)
                {
                    merged.Contexts.TryAdd(context.Name, (context, directory));
                }
            }

            foreach (var user in file.Users ?? [])
            {
                if (user.Name is not null)
                {
                    merged.Users.TryAdd(user.Name, (user, directory));
                }
            }
        }

        return merged;
    }

    private static X509Certificate2Collection? ReadClusterCa(KubeconfigCluster cluster, string directory)
    {
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            return LoadCertificates(DecodeBase64(cluster.CertificateAuthorityData, "certificate-authority-data"), "certificate-authority-data");
        }

        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            var path = Resolve(cluster.CertificateAuthority, directory);
            return LoadCertificates(ReadFile(path, "certificate-authority"), path);
        }

        return null;
    }

    private static X509Certificate2? ReadClientCertificate(KubeconfigUser user, string directory, string userName)
    {
        var certificate = !string.IsNullOrEmpty(user.ClientCertificateData)
            ? DecodeBase64(user.ClientCertificateData, "client-certificate-data")
            : !string.IsNullOrEmpty(user.ClientCertificate) ? ReadFile(Resolve(user.ClientCertificate, directory), "client-certificate") : null;
        var key = !string.IsNullOrEmpty(user.ClientKeyData)
            ? DecodeBase64(user.ClientKeyData, "client-key-data")
            : !string.IsNullOrEmpty(user.ClientKey) ? ReadFile(Resolve(user.ClientKey, directory), "client-key") : null;
        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null || key is null)
        {
            throw new KubernetesConfigurationException($"The user '{userName}' has a client certificate without a key, or a key without a certificate.");
        }

        try
        {
            return X509Certificate2.CreateFromPem(certificate, key);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"The client certificate or key of user '{userName}' cannot be read: {e.Message}", e);
        }
    }

    private static KubernetesCredentials ReadCredentials(KubeconfigUser user, string directory, string userName, TimeSpan tokenRefreshInterval)
    {
        if (user.Exec is { } exec)
        {
            if (string.IsNullOrEmpty(exec.Command))
            {
                throw new KubernetesConfigurationException($"The exec plugin of user '{userName}' has no command.");
            }

            // A command with a directory part but not rooted is relative to the kubeconfig's directory, as in client-go.
            var command = exec.Command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(exec.Command)
                ? Path.GetFullPath(Path.Combine(directory, exec.Command))
                : exec.Command;
            return KubernetesCredentials.Exec(new ExecCredentialSettings
            {
                ApiVersion = exec.ApiVersion ?? "client.authentication.k8s.io/v1beta1",
                Command = command,
                Args = exec.Args ?? [],
                Env = (exec.Env ?? []).Where(e => !string.IsNullOrEmpty(e.Name)).ToDictionary(e => e.Name!, e => e.Value ?? string.Empty, StringComparer.Ordinal),
                InteractiveMode = exec.InteractiveMode,
            });
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return KubernetesCredentials.TokenFile(Resolve(user.TokenFile, directory), tokenRefreshInterval);
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            return KubernetesCredentials.Token(user.Token);
        }

        if (user.AuthProvider is not null)
        {
            throw new KubernetesConfigurationException(
                $"The user '{userName}' uses an auth-provider, which is not supported (it was removed from kubectl); use an exec plugin such as kubelogin.");
        }

        return KubernetesCredentials.None;
    }

    internal static X509Certificate2Collection LoadCertificates(string pem, string source)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"The CA certificates in {source} cannot be read: {e.Message}", e);
        }

        return collection.Count > 0 ? collection : throw new KubernetesConfigurationException($"{source} holds no PEM certificate.");
    }

    private static string DecodeBase64(string data, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data.Trim()));
        }
        catch (FormatException e)
        {
            throw new KubernetesConfigurationException($"The kubeconfig field {field} is not valid base64.", e);
        }
    }

    private static string Resolve(string path, string directory) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));

    private static string ReadFile(string path, string field)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read the kubeconfig {field} file {path}: {e.Message}", e);
        }
    }

    private sealed class MergedKubeconfig
    {
        public string? CurrentContext { get; set; }

        public Dictionary<string, (NamedCluster Item, string Directory)> Clusters { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (NamedContext Item, string Directory)> Contexts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (NamedUser Item, string Directory)> Users { get; } = new(StringComparer.Ordinal);
    }
}
