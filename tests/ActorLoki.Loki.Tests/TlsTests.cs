using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorLoki.Loki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

/// <summary>TLS against an HTTPS Kestrel on 127.0.0.1 whose certificate is issued by a CA made in the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorloki-tls-").FullName;
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _server;

    public TlsTests()
    {
        var ca = new CertificateRequest("CN=ActorLoki Test CA", _caKey, HashAlgorithmName.SHA256);
        ca.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        ca.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        ca.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(ca.PublicKey, false));
        _ca = ca.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _server = Issue("CN=127.0.0.1", serverAuth: true);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        _server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_server_certificate_issued_by_the_configured_ca_is_trusted()
    {
        await using var server = await HttpsServer.StartAsync(_server);
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, TlsCaFile = Pem("ca.pem", _ca.ExportCertificatePem()) });

        var result = await client.PushAsync(OneLine());

        result.Outcome.Should().Be(PushOutcome.Success);
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_a_configuration_error()
    {
        await using var server = await HttpsServer.StartAsync(_server);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, TlsCaFile = Pem("other.pem", other.ExportCertificatePem()) });

        var result = await client.PushAsync(OneLine());

        result.Outcome.Should().Be(PushOutcome.ConfigurationError);
        result.Detail.Should().StartWith("TLS:");
        server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Without_a_ca_file_an_unknown_ca_is_refused_and_insecure_mode_accepts_it()
    {
        await using var server = await HttpsServer.StartAsync(_server);
        using var strict = new LokiClient(new LokiClientOptions { Url = server.PushUrl });
        using var insecure = new LokiClient(new LokiClientOptions { Url = server.PushUrl, TlsInsecureSkipVerify = true });

        (await strict.PushAsync(OneLine())).Outcome.Should().Be(PushOutcome.ConfigurationError);
        (await insecure.PushAsync(OneLine())).Outcome.Should().Be(PushOutcome.Success);
    }

    [Fact]
    public async Task A_certificate_for_another_host_name_is_refused_even_from_the_configured_ca()
    {
        using var wrongName = Issue("CN=loki.example", serverAuth: true, ip: false);
        await using var server = await HttpsServer.StartAsync(wrongName);
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, TlsCaFile = Pem("ca.pem", _ca.ExportCertificatePem()) });

        (await client.PushAsync(OneLine())).Outcome.Should().Be(PushOutcome.ConfigurationError);
    }

    [Fact]
    public async Task A_client_certificate_and_key_from_pem_files_authenticate_to_a_server_that_requires_one()
    {
        using var clientCertificate = Issue("CN=actorloki", serverAuth: false);
        await using var server = await HttpsServer.StartAsync(_server, requireClientCertificate: clientCertificate.Thumbprint);
        var caFile = Pem("ca.pem", _ca.ExportCertificatePem());
        using var withCertificate = new LokiClient(new LokiClientOptions
        {
            Url = server.PushUrl,
            TlsCaFile = caFile,
            TlsCertFile = Pem("client.pem", clientCertificate.ExportCertificatePem()),
            TlsKeyFile = Pem("client.key", clientCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
        });
        using var withoutCertificate = new LokiClient(new LokiClientOptions { Url = server.PushUrl, TlsCaFile = caFile });

        (await withCertificate.PushAsync(OneLine())).Outcome.Should().Be(PushOutcome.Success);
        (await withoutCertificate.PushAsync(OneLine())).Outcome.Should().NotBe(PushOutcome.Success);
        server.Requests.Should().Be(1);
    }

    private static PushBatch OneLine() => Batch(Stream(Labels(("app", "api")), (1, "x")));

    private string Pem(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private X509Certificate2 Issue(string subject, bool serverAuth, bool ip = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        if (ip)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        names.AddDnsName(subject[3..]);
        request.CertificateExtensions.Add(names.Build());
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class HttpsServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private HttpsServer(WebApplication app) => _app = app;

        public Uri PushUrl { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<HttpsServer> StartAsync(X509Certificate2 certificate, string? requireClientCertificate = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                if (requireClientCertificate is not null)
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (presented, _, _) => presented.Thumbprint == requireClientCertificate;
                }
            })));
            var app = builder.Build();
            var server = new HttpsServer(app);
            app.MapPost("/loki/api/v1/push", (HttpContext _) =>
            {
                Interlocked.Increment(ref server._requests);
                return Results.NoContent();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            server.PushUrl = new Uri(new Uri(address), "/loki/api/v1/push");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
