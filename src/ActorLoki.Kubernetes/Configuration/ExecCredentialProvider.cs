using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes.Configuration;

/// <summary>
/// Runs a kubeconfig <c>exec</c> credential plugin and caches its token until shortly before the plugin's
/// <c>expirationTimestamp</c> (or until a 401 when the plugin gives none). One run at a time: concurrent
/// requests wait for the same token instead of starting the plugin once each (the package's provider has no
/// such lock, and runs the plugin twice at start).
/// </summary>
internal sealed class ExecCredentialProvider(ExecCredentialSettings settings, TimeProvider time, ILogger logger) : CredentialProvider
{
    /// <summary>A token is refreshed this long before it expires, so no request goes out with a token about to expire.</summary>
    public static readonly TimeSpan RefreshBeforeExpiry = TimeSpan.FromSeconds(30);

    private const string V1Beta1 = "client.authentication.k8s.io/v1beta1";
    private const string V1 = "client.authentication.k8s.io/v1";
    private const int MaxErrorTextLength = 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset? _expiresAt;

    public override async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Cached() is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Cached() is { } again)
            {
                return again;
            }

            var (token, expiresAt) = await RunAsync(cancellationToken);
            _token = token;
            _expiresAt = expiresAt;
            KubernetesLog.ExecPluginRan(logger, settings.Command, expiresAt);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override bool Invalidate(string? rejectedToken)
    {
        if (string.Equals(Volatile.Read(ref _token), rejectedToken, StringComparison.Ordinal))
        {
            Volatile.Write(ref _token, null);
        }

        return true;
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private string? Cached()
    {
        var token = Volatile.Read(ref _token);
        return token is not null && (_expiresAt is not { } expiresAt || time.GetUtcNow() < expiresAt - RefreshBeforeExpiry) ? token : null;
    }

    private async Task<(string Token, DateTimeOffset? ExpiresAt)> RunAsync(CancellationToken cancellationToken)
    {
        var apiVersion = settings.ApiVersion;
        if (apiVersion is not (V1Beta1 or V1))
        {
            throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} uses apiVersion '{apiVersion}'; supported are {V1Beta1} and {V1}.");
        }

        if (string.Equals(settings.InteractiveMode, "Always", StringComparison.Ordinal))
        {
            throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} requires an interactive terminal (interactiveMode: Always).");
        }

        var start = new ProcessStartInfo(settings.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in settings.Args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in settings.Env)
        {
            start.Environment[name] = value;
        }

        // client-go tells the plugin how it is being run through this variable.
        start.Environment["KUBERNETES_EXEC_INFO"] = $$$"""{"apiVersion":"{{{apiVersion}}}","kind":"ExecCredential","spec":{"interactive":false}}""";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new KubernetesConfigurationException($"Cannot run the exec credential plugin {settings.Command}: {e.Message}", e);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var stdout = process.StandardOutput.ReadToEndAsync(linked.Token);
        var stderr = process.StandardError.ReadToEndAsync(linked.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token);
            await Task.WhenAll(stdout, stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} did not finish within {settings.Timeout}.");
            }

            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new KubernetesConfigurationException(
                $"The exec credential plugin {settings.Command} exited with code {process.ExitCode}: {Shorten(await stderr)}");
        }

        return Parse(await stdout, apiVersion);
    }

    private (string Token, DateTimeOffset? ExpiresAt) Parse(string output, string apiVersion)
    {
        ExecCredential? credential;
        try
        {
            credential = JsonSerializer.Deserialize(output, ExecCredentialJsonContext.Default.ExecCredential);
        }
        catch (JsonException e)
        {
            // The output may hold a token: name the problem, never echo the text.
            throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} wrote output that is not an ExecCredential (invalid JSON at line {e.LineNumber}).", e);
        }

        if (credential is null || !string.Equals(credential.Kind, "ExecCredential", StringComparison.Ordinal))
        {
            throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} wrote output that is not an ExecCredential.");
        }

        if (!string.Equals(credential.ApiVersion, apiVersion, StringComparison.Ordinal))
        {
            throw new KubernetesConfigurationException(
                $"The exec credential plugin {settings.Command} answered with apiVersion '{credential.ApiVersion}' instead of '{apiVersion}'.");
        }

        if (credential.Status?.Token is not { Length: > 0 } token)
        {
            var reason = credential.Status?.ClientCertificateData is not null
                ? "returned a client certificate, which this client does not support from exec plugins"
                : "returned no token";
            throw new KubernetesConfigurationException($"The exec credential plugin {settings.Command} {reason}.");
        }

        return (token, credential.Status.ExpirationTimestamp);
    }

    private static string Shorten(string text)
    {
        text = text.Trim();
        return text.Length <= MaxErrorTextLength ? text : text[..MaxErrorTextLength] + "...";
    }
}

internal sealed class ExecCredential
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ExecCredentialStatus? Status { get; set; }
}

internal sealed class ExecCredentialStatus
{
    public string? Token { get; set; }

    public DateTimeOffset? ExpirationTimestamp { get; set; }

    public string? ClientCertificateData { get; set; }

    public string? ClientKeyData { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExecCredential))]
internal sealed partial class ExecCredentialJsonContext : JsonSerializerContext;
