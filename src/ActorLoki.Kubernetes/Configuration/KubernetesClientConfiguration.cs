using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using PackageConfiguration = k8s.KubernetesClientConfiguration;

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
/// from a kubeconfig, or directly (tests, the demo). A kubeconfig is read into the official client's model and its
/// cluster resolved by <see cref="PackageConfiguration"/>; ActorLoki adds what the package rejects or does
/// differently: <c>tokenFile</c>,
/// exec plugins run one at a time and refreshed before they expire, and in cluster a token file re-read within
/// seconds of a rotation (the package's in-cluster configuration caches it for a minute and reads fixed paths).
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
    /// bundle, the namespace file, and the token file, re-read within five seconds of a change and at least every
    /// <paramref name="tokenRefreshInterval"/>.
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
    /// Relative paths are relative to the file that names them, as in client-go.
    /// </summary>
    public static KubernetesClientConfiguration FromKubeconfig(
        string? path = null,
        string? context = null,
        TimeSpan? tokenRefreshInterval = null,
        KubernetesEnvironment? environment = null)
    {
        environment ??= KubernetesEnvironment.System;
        var files = KubeconfigFiles(path, environment);
        var merged = new MergedKubeconfig();
        foreach (var file in files)
        {
            merged.Add(file, Parse(file));
        }

        var contextName = string.IsNullOrEmpty(context) ? merged.CurrentContext : context;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubernetesConfigurationException($"The kubeconfig ({string.Join(", ", files)}) sets no current-context and no context was given.");
        }

        if (!merged.Contexts.TryGetValue(contextName, out var namedContext) || namedContext.ContextDetails is not { } ctx)
        {
            throw new KubernetesConfigurationException(
                $"The kubeconfig has no context '{contextName}'; it has: {string.Join(", ", merged.Contexts.Keys.Order(StringComparer.Ordinal))}.");
        }

        if (ctx.Cluster is null || !merged.Clusters.TryGetValue(ctx.Cluster, out var cluster) || cluster.ClusterEndpoint is null)
        {
            throw new KubernetesConfigurationException($"The context '{contextName}' names cluster '{ctx.Cluster}', which the kubeconfig does not define.");
        }

        UserCredentials? user = null;
        UserExtras? extras = null;
        if (!string.IsNullOrEmpty(ctx.User))
        {
            if (!merged.Users.TryGetValue(ctx.User, out var namedUser))
            {
                throw new KubernetesConfigurationException($"The context '{contextName}' names user '{ctx.User}', which the kubeconfig does not define.");
            }

            user = namedUser.User.UserCredentials;
            extras = namedUser.Extras;
        }

        var endpoint = ClusterOf(contextName, ctx, cluster);
        return new KubernetesClientConfiguration
        {
            Server = endpoint.Host.EndsWith('/') ? new Uri(endpoint.Host) : new Uri(endpoint.Host + "/"),
            Namespace = string.IsNullOrEmpty(ctx.Namespace) ? "default" : ctx.Namespace,
            CertificateAuthorities = endpoint.SslCaCerts is { Count: > 0 } authorities ? authorities : null,
            InsecureSkipTlsVerify = endpoint.SkipTlsVerify,
            TlsServerName = string.IsNullOrEmpty(endpoint.TlsServerName) ? null : endpoint.TlsServerName,
            ClientCertificate = user is null ? null : ReadClientCertificate(user, ctx.User!),
            Credentials = user is null ? KubernetesCredentials.None : ReadCredentials(user, extras, ctx.User!, tokenRefreshInterval ?? DefaultTokenRefreshInterval),
            Source = $"kubeconfig {string.Join(Path.PathSeparator, files)} context {contextName}",
        };
    }

    /// <summary>
    /// The cluster part (server, CA, tls-server-name, insecure-skip-tls-verify), resolved by the package from a
    /// kubeconfig of that one context without its user: the package would run an exec plugin while loading (and
    /// refuses a user with only a tokenFile), so ActorLoki reads the user itself.
    /// </summary>
    private static PackageConfiguration ClusterOf(string contextName, ContextDetails ctx, Cluster cluster)
    {
        var single = new K8SConfiguration
        {
            CurrentContext = contextName,
            Contexts = [new Context { Name = contextName, ContextDetails = new ContextDetails { Cluster = ctx.Cluster, Namespace = ctx.Namespace } }],
            Clusters = [cluster],
        };
        try
        {
            return PackageConfiguration.BuildConfigFromConfigObject(single, contextName);
        }
        catch (KubeConfigException e)
        {
            throw new KubernetesConfigurationException($"The cluster '{ctx.Cluster}' of context '{contextName}' cannot be used: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or CryptographicException)
        {
            throw new KubernetesConfigurationException($"The certificate authority of cluster '{ctx.Cluster}' cannot be read: {e.Message}", e);
        }
    }

    private static List<string> KubeconfigFiles(string? path, KubernetesEnvironment environment)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path)
                ? [Path.GetFullPath(path)]
                : throw new KubernetesConfigurationException($"The kubeconfig {path} does not exist.");
        }

        if (environment.GetVariable("KUBECONFIG") is { } list)
        {
            // As kubectl does, files of the list that do not exist are skipped.
            var files = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists)
                .Select(Path.GetFullPath)
                .ToList();
            return files.Count > 0
                ? files
                : throw new KubernetesConfigurationException($"None of the files in KUBECONFIG ({list}) exists.");
        }

        var home = environment.HomeDirectory
            ?? throw new KubernetesConfigurationException("No kubeconfig: KUBECONFIG is not set and there is no home directory.");
        var defaultPath = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultPath)
            ? [defaultPath]
            : throw new KubernetesConfigurationException($"No kubeconfig: KUBECONFIG is not set and {defaultPath} does not exist.");
    }

    /// <summary>
    /// One kubeconfig file, read into the package's model (<see cref="K8SConfiguration"/>) plus the user fields the
    /// package does not read. Read with YamlDotNet directly rather than the package's <c>LoadKubeConfig</c>: the
    /// package's YAML reader first scans every model type of the client (measured: about 48 MiB more resident memory
    /// at start, against 12 MiB this way), for a file that holds none of them.
    /// </summary>
    private static (K8SConfiguration Config, KubeconfigExtras Extras) Parse(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read the kubeconfig {path}: {e.Message}", e);
        }

        try
        {
            var config = Yaml.Deserialize<K8SConfiguration?>(text) ?? new K8SConfiguration();
            var extras = Yaml.Deserialize<KubeconfigExtras?>(text) ?? new KubeconfigExtras();
            return (config, extras);
        }
        catch (YamlException e)
        {
            throw new KubernetesConfigurationException($"The kubeconfig {path} is not valid YAML ({e.Start}): {e.Message}", e);
        }
    }

    // The package's model names its fields with YamlMember aliases; the extras are camelCase, as in the file.
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private static X509Certificate2? ReadClientCertificate(UserCredentials user, string userName)
    {
        var certificate = !string.IsNullOrEmpty(user.ClientCertificateData)
            ? DecodeBase64(user.ClientCertificateData, "client-certificate-data")
            : !string.IsNullOrEmpty(user.ClientCertificate) ? ReadFile(user.ClientCertificate, "client-certificate") : null;
        var key = !string.IsNullOrEmpty(user.ClientKeyData)
            ? DecodeBase64(user.ClientKeyData, "client-key-data")
            : !string.IsNullOrEmpty(user.ClientKey) ? ReadFile(user.ClientKey, "client-key") : null;
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

    private static KubernetesCredentials ReadCredentials(UserCredentials user, UserExtras? extras, string userName, TimeSpan tokenRefreshInterval)
    {
        if (user.ExternalExecution is { } exec)
        {
            if (string.IsNullOrEmpty(exec.Command))
            {
                throw new KubernetesConfigurationException($"The exec plugin of user '{userName}' has no command.");
            }

            return KubernetesCredentials.Exec(new ExecCredentialSettings
            {
                ApiVersion = string.IsNullOrEmpty(exec.ApiVersion) ? "client.authentication.k8s.io/v1beta1" : exec.ApiVersion,
                Command = exec.Command,
                Args = exec.Arguments?.ToList() ?? [],
                Env = (exec.EnvironmentVariables ?? [])
                    .Where(e => e.TryGetValue("name", out var name) && !string.IsNullOrEmpty(name))
                    .ToDictionary(e => e["name"], e => e.GetValueOrDefault("value") ?? string.Empty, StringComparer.Ordinal),
                InteractiveMode = extras?.User?.Exec?.InteractiveMode,
            });
        }

        if (extras?.User?.TokenFile is { Length: > 0 } tokenFile)
        {
            return KubernetesCredentials.TokenFile(tokenFile, tokenRefreshInterval);
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

    /// <summary>
    /// The merged kubeconfig files: the first to define a name wins, and every relative path is made absolute
    /// against the file that holds it (the package would resolve them all against the first file).
    /// </summary>
    private sealed class MergedKubeconfig
    {
        public string? CurrentContext { get; private set; }

        public Dictionary<string, Cluster> Clusters { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Context> Contexts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (User User, UserExtras? Extras)> Users { get; } = new(StringComparer.Ordinal);

        public void Add(string path, (K8SConfiguration Config, KubeconfigExtras Extras) file)
        {
            var directory = Path.GetDirectoryName(path) ?? ".";
            var (config, extras) = file;
            CurrentContext ??= string.IsNullOrEmpty(config.CurrentContext) ? null : config.CurrentContext;
            foreach (var cluster in config.Clusters ?? [])
            {
                if (cluster?.Name is not null && Clusters.TryAdd(cluster.Name, cluster) && cluster.ClusterEndpoint is { } endpoint)
                {
                    endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority, directory);
                }
            }

            foreach (var context in config.Contexts ?? [])
            {
                if (context?.Name is not null)
                {
                    Contexts.TryAdd(context.Name, context);
                }
            }

            foreach (var user in config.Users ?? [])
            {
                if (user?.Name is null || Users.ContainsKey(user.Name))
                {
                    continue;
                }

                var extra = extras.Users?.FirstOrDefault(u => u.Name == user.Name);
                if (extra?.User is { TokenFile: { Length: > 0 } tokenFile } u)
                {
                    u.TokenFile = Resolve(tokenFile, directory);
                }

                if (user.UserCredentials is { } credentials)
                {
                    credentials.ClientCertificate = Resolve(credentials.ClientCertificate, directory);
                    credentials.ClientKey = Resolve(credentials.ClientKey, directory);
                    if (credentials.ExternalExecution is { Command: { Length: > 0 } command } exec
                        && command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command))
                    {
                        // A command with a directory part but not rooted is relative to the kubeconfig's directory, as in client-go.
                        exec.Command = Path.GetFullPath(Path.Combine(directory, command));
                    }
                }

                Users.Add(user.Name, (user, extra));
            }
        }

        private static string? Resolve(string? path, string directory) =>
            string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));
    }
}

// The kubeconfig user fields the package's model lacks (camelCase names, as in the file).
#pragma warning disable CA1812 // Instantiated by the YAML reader.
#pragma warning disable CA2227 // Collection setters are how the YAML reader fills the lists.

internal sealed class KubeconfigExtras
{
    public List<UserExtras>? Users { get; set; }
}

internal sealed class UserExtras
{
    public string? Name { get; set; }

    public UserExtrasFields? User { get; set; }
}

internal sealed class UserExtrasFields
{
    /// <summary>A file holding the bearer token, re-read as it changes (client-go's <c>tokenFile</c>).</summary>
    public string? TokenFile { get; set; }

    public ExecExtras? Exec { get; set; }
}

internal sealed class ExecExtras
{
    public string? InteractiveMode { get; set; }
}
