using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// A simulated Kubernetes API server for one cluster, on 127.0.0.1: the API subset a log shipper uses,
/// with the real semantics (see <see cref="SimulatedCluster"/>), bearer-token auth with rotation, optional
/// TLS with client certificates, and injectable <see cref="Faults"/>. kubectl works against it with the
/// kubeconfig from <see cref="WriteKubeconfig"/>.
/// </summary>
public sealed class KubernetesSimulator : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private KubernetesSimulator(LoopbackServer server, SimulatedCluster cluster, KubernetesFaults faults, SimulatorTokens tokens, LogFollowers followers, SimulatorCertificates? certificates)
    {
        _server = server;
        Cluster = cluster;
        Faults = faults;
        Tokens = tokens;
        Followers = followers;
        Certificates = certificates;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c> (https with <see cref="KubernetesSimulatorOptions.Tls"/>).</summary>
    public Uri BaseAddress => _server.BaseAddress;

    public SimulatedCluster Cluster { get; }

    public KubernetesFaults Faults { get; }

    public SimulatorTokens Tokens { get; }

    /// <summary>Who followed which container log when (by the user each request authenticated as).</summary>
    public LogFollowers Followers { get; }

    /// <summary>The CA and server certificate in TLS mode; null otherwise.</summary>
    public SimulatorCertificates? Certificates { get; }

    public static async Task<KubernetesSimulator> StartAsync(
        KubernetesSimulatorOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new KubernetesSimulatorOptions();
        var cluster = new SimulatedCluster(options);
        var faults = new KubernetesFaults();
        var tokens = new SimulatorTokens(options.TimeProvider, options.User);
        var followers = new LogFollowers(options.TimeProvider);
        var certificates = options.Tls ? new SimulatorCertificates(options.TimeProvider, options.ServerCertificateNames) : null;
        LoopbackServer? server = null;
        var api = new KubernetesApi(cluster, faults, tokens, followers, certificates, () => server is null ? "127.0.0.1:0" : $"{server.BaseAddress.Host}:{server.BaseAddress.Port}");
        try
        {
            server = await LoopbackServer.StartAsync(
                api.Map,
                options.Port,
                options.Tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1,
                loggerFactory,
                services =>
                {
                    // Go's HTTP/2 server allows 250 concurrent streams per connection; Kestrel's default is 100.
                    services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.Http2.MaxStreamsPerConnection = 250);
                    if (certificates is not null)
                    {
                        // LoopbackServer has no TLS option: endpoint defaults must be registered before its Listen
                        // call runs, hence first in the service collection.
                        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>>(
                            new ConfigureOptions<KestrelServerOptions>(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.UseHttps(https =>
                            {
                                https.ServerCertificate = certificates.ServerCertificate;
                                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                                // Authentication checks the issuer; an unknown certificate is simply anonymous, as on a real server.
                                https.AllowAnyClientCertificate();
                            })))));
                    }
                },
                cancellationToken);
        }
        catch
        {
            certificates?.Dispose();
            throw;
        }

        return new KubernetesSimulator(server, cluster, faults, tokens, followers, certificates);
    }

    /// <summary>
    /// Writes a kubeconfig for this server (the current token as user, the simulator's namespace as the
    /// context's, the CA in TLS mode) and returns its path.
    /// </summary>
    public string WriteKubeconfig(string path, string? token = null, string contextName = "simulator")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\n");
        yaml.Append("clusters:\n- name: simulator\n  cluster:\n");
        yaml.Append("    server: ").Append(BaseAddress.GetLeftPart(UriPartial.Authority)).Append('\n');
        if (Certificates is not null)
        {
            yaml.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(Certificates.AuthorityPem))).Append('\n');
        }

        yaml.Append("users:\n- name: simulator\n  user:\n    token: ").Append(token ?? Tokens.Current).Append('\n');
        yaml.Append("contexts:\n- name: ").Append(contextName).Append("\n  context:\n    cluster: simulator\n    user: simulator\n");
        yaml.Append("    namespace: ").Append(Cluster.DefaultNamespace).Append('\n');
        yaml.Append("current-context: ").Append(contextName).Append('\n');
        File.WriteAllText(path, yaml.ToString());
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Certificates?.Dispose();
    }
}
