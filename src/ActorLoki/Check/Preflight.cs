using System.Globalization;
using System.Text;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Loki;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Check;

/// <summary>
/// <c>actorloki check</c>: does what the shipper will do, once each, and says for every step whether it works
/// (✓) or not (✗, with the fix): reach the API server with the configured credentials; list, watch and read the
/// logs of pods in each namespace; read and write the positions ConfigMap; push to Loki. Writes are safe: the
/// positions ConfigMap is created (empty) only when it does not exist, otherwise written back unchanged; the test
/// line goes to a stream of its own, and <c>--dry-run</c> sends Loki an empty push that stores nothing.
/// </summary>
internal sealed partial class Preflight(ActorLokiSettings settings, TextWriter output, KubernetesEnvironment environment, ILoggerFactory loggerFactory)
{
    private readonly TimeSpan _timeout = settings.Check.Timeout;
    private int _passed;
    private int _failed;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Pass("configuration is valid");
        await CheckKubernetesAsync(cancellationToken).ConfigureAwait(false);
        await CheckLokiAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(_failed == 0
            ? $"All {_passed} checks passed."
            : $"{_failed} of {_passed + _failed} checks failed.").ConfigureAwait(false);
        return _failed == 0 ? 0 : 1;
    }

    // ---- Kubernetes ------------------------------------------------------------------------------------

    private async Task CheckKubernetesAsync(CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = ShipperRuntime.LoadKubernetesConfiguration(settings.Kubernetes, environment);
        }
        catch (Exception e) when (e is KubernetesConfigurationException or IOException or UnauthorizedAccessException or FormatException)
        {
            Fail("Kubernetes configuration", new Diagnosis(e.Message, Diagnosis.KubernetesConfigurationFixes));
            return;
        }

        using var client = new KubernetesClient(
            configuration,
            new KubernetesClientSettings { ConnectTimeout = settings.Kubernetes.ConnectTimeout, RequestTimeout = settings.Kubernetes.RequestTimeout },
            loggerFactory);
        var ownNamespace = ShipperRuntime.OwnNamespace(environment, configuration);
        var namespaces = ShipperRuntime.NamespacesToFollow(settings.Kubernetes, ownNamespace);

        // The first request says whether the server is there and takes the credentials; a 403 means it did.
        var server = $"API server {configuration.Server} ({configuration.Source}; credentials: {configuration.Credentials.Description})";
        var first = await AttemptAsync(ct => client.ListPodsAsync(namespaces[0], limit: 1, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (first.Error is not null and not KubernetesForbiddenException)
        {
            Fail(server, Diagnosis.ForKubernetes(first.Error, "list", "pods", namespaces[0], _timeout));
            return;
        }

        Pass(server);
        foreach (var ns in namespaces)
        {
            await CheckNamespaceAsync(client, ns, cancellationToken).ConfigureAwait(false);
        }

        if (settings.Cluster.Enabled)
        {
            await CheckClusterAsync(client, ownNamespace, cancellationToken).ConfigureAwait(false);
        }

        await CheckPositionsAsync(client, ownNamespace, cancellationToken).ConfigureAwait(false);
    }

    private async Task CheckNamespaceAsync(KubernetesClient client, string? ns, CancellationToken cancellationToken)
    {
        var where = ns is null ? "in all namespaces" : $"in {ns}";
        var selection = settings.Selection;
        var list = await AttemptAsync(
            ct => client.ListPodsAsync(ns, NullIfEmpty(selection.PodLabelSelector), NullIfEmpty(selection.PodFieldSelector), limit: 500, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
        if (list.Error is not null)
        {
            Fail($"list pods {where}", Diagnosis.ForKubernetes(list.Error, "list", "pods", ns, _timeout));
        }
        else
        {
            Pass($"list pods {where}: {Count(list.Value!.Items!.Count, "pod")}");
        }

        var watch = await AttemptAsync(
            async ct =>
            {
                // A one-second watch from the list's resourceVersion: the server ends it, which is a pass.
                await foreach (var _ in client.WatchPodsAsync(ns, list.Value?.Metadata?.ResourceVersion, timeoutSeconds: 1, cancellationToken: ct).ConfigureAwait(false))
                {
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        if (watch.Error is not null)
        {
            Fail($"watch pods {where}", Diagnosis.ForKubernetes(watch.Error, "watch", "pods", ns, _timeout));
        }
        else
        {
            Pass($"watch pods {where}");
        }

        await CheckLogsAsync(client, ns, where, list.Value?.Items ?? [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the last line of one container that has run. Without one, asks for the log of a pod that does not
    /// exist: RBAC is decided before the pod is looked up, so 404 means allowed and 403 means denied.
    /// </summary>
    private async Task CheckLogsAsync(KubernetesClient client, string? ns, string where, List<Pod> pods, CancellationToken cancellationToken)
    {
        var target = pods
            .SelectMany(p => (p.Status?.ContainerStatuses ?? []).Select(c => (Pod: p, Container: c)))
            .FirstOrDefault(pc => pc.Container.State?.Running is not null || pc.Container.State?.Terminated is not null);
        var targetNamespace = target.Pod?.Metadata?.Namespace ?? ns ?? "default";
        var podName = target.Pod?.Metadata?.Name ?? "actorloki-check-no-such-pod";
        var read = await AttemptAsync(
            async ct =>
            {
                using var reader = await client.OpenLogStreamAsync(targetNamespace, podName, new LogOptions { Container = target.Container?.Name, TailLines = 1 }, ct).ConfigureAwait(false);
                while (await reader.ReadChunkAsync(ct).ConfigureAwait(false) is not null)
                {
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        var what = $"get pods/log {where}";
        switch (read.Error)
        {
            case null:
                Pass($"{what}: read the log of {podName}/{target.Container!.Name}");
                break;
            case KubernetesNotFoundException when target.Pod is null:
                Pass($"{what}: allowed (no pod has run yet; asked for one that does not exist and got 404, not 403)");
                break;
            default:
                Fail(what, Diagnosis.ForKubernetes(read.Error, "get", "pods/log", targetNamespace, _timeout));
                break;
        }
    }

    private async Task CheckPositionsAsync(KubernetesClient client, string ownNamespace, CancellationToken cancellationToken)
    {
        var positions = settings.Positions;
        switch (positions.Store)
        {
            case PositionsStoreKind.Memory:
                Pass("positions: kept in memory (lost when actorloki stops); nothing to check");
                return;
            case PositionsStoreKind.File:
                CheckPositionsFile(positions.File);
                return;
        }

        var ns = positions.ConfigMapNamespace.Length > 0 ? positions.ConfigMapNamespace : ownNamespace;
        if (settings.Cluster.Enabled)
        {
            await CheckShardedPositionsAsync(client, ns, cancellationToken).ConfigureAwait(false);
            return;
        }

        var name = $"positions ConfigMap {ns}/{positions.ConfigMapName}";
        var read = await AttemptAsync(ct => client.TryGetConfigMapAsync(ns, positions.ConfigMapName, ct), cancellationToken).ConfigureAwait(false);
        if (read.Error is not null)
        {
            Fail($"read {name}", Diagnosis.ForKubernetes(read.Error, "get", "configmaps", ns, _timeout));
            return;
        }

        var existing = read.Value;
        Pass($"read {name}: {(existing is null ? "does not exist yet" : Count(StreamsIn(existing, name), "stream position"))}");

        // Safe by construction: create an empty one only if there is none, else write it back as it is (its
        // resourceVersion makes the update fail rather than overwrite a change made meanwhile).
        var write = await AttemptAsync(
            async ct => existing is null
                ? await client.CreateConfigMapAsync(ns, EmptyPositions(ns, positions.ConfigMapName), ct).ConfigureAwait(false)
                : await client.UpdateConfigMapAsync(ns, existing, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        switch (write.Error)
        {
            case null:
                Pass($"write {name}: {(existing is null ? "created it, empty" : "wrote it back unchanged")}");
                break;
            case KubernetesConflictException:
                Pass($"write {name}: allowed (it changed meanwhile, so nothing was written)");
                break;
            default:
                Fail($"write {name}", Diagnosis.ForKubernetes(write.Error, existing is null ? "create" : "update", "configmaps", ns, _timeout));
                break;
        }
    }

    private void CheckPositionsFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var probe = Path.Combine(directory, $".actorloki-check-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
            Pass($"positions file {path}: its directory is writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"positions file {path}", new Diagnosis(
                e.Message,
                ["mount a writable volume at that directory (an emptyDir loses positions with the pod), or use positions.store = configmap"]));
        }
    }

    private static int StreamsIn(V1ConfigMap configMap, string description) =>
        configMap.Data is { } data && data.TryGetValue(ConfigMapPositionsStore.DataKey, out var json) && json.Length > 0
            ? PositionsDocument.Deserialize(Encoding.UTF8.GetBytes(json), description).Count
            : 0;

    private static V1ConfigMap EmptyPositions(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "actorloki", ["app.kubernetes.io/component"] = "positions" },
        },
        Data = new Dictionary<string, string> { [ConfigMapPositionsStore.DataKey] = Encoding.UTF8.GetString(PositionsDocument.Serialize([])) },
    };

    // ---- Loki ------------------------------------------------------------------------------------------

    private async Task CheckLokiAsync(CancellationToken cancellationToken)
    {
        var loki = settings.Loki;
        var url = loki.Url.GetLeftPart(UriPartial.Path);
        if (settings.Check.DryRun)
        {
            var probe = await AttemptAsync(
                async ct =>
                {
                    using var client = new LokiClient(ShipperRuntime.LokiOptions(loki));
                    return await client.ProbeAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            switch (probe)
            {
                case { Error: null, Value.Status: >= 200 and < 300 }:
                    Pass($"Loki {url}: reachable, credentials and tenant accepted (an empty push, {probe.Value.Status}; nothing stored)");
                    break;
                case { Error: null }:
                    Fail($"Loki {url} (dry run: an empty push)", LokiAnswer.Explain(probe.Value.Status, probe.Value.Body));
                    break;
                case { Error: { } unreadable } when unreadable is IOException or UnauthorizedAccessException || unreadable.InnerException is IOException or UnauthorizedAccessException:
                    // A credential file the client could not read (it wraps the I/O error with the file's name).
                    Fail($"Loki {url} (dry run: an empty push)", LokiAnswer.Explain(null, LokiAnswer.CredentialsPrefix + unreadable.Message));
                    break;
                default:
                    Fail($"Loki {url} (dry run: an empty push)", LokiAnswer.Explain(null, Describe(probe.Error)));
                    break;
            }

            return;
        }

        var result = await AttemptAsync(
            async ct =>
            {
                using var client = new LokiClient(ShipperRuntime.LokiOptions(loki) with { Timeout = _timeout }, loggerFactory.CreateLogger<LokiClient>());
                return await client.PushAsync(TestLine(), cancellationToken: ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        if (result.Error is not null)
        {
            // The client answers every HTTP outcome with a result; what it throws is a file it could not read.
            var network = result.Error is HttpRequestException or OperationCanceledException or TimeoutException;
            Fail($"Loki {url}", LokiAnswer.Explain(null, (network ? "" : LokiAnswer.CredentialsPrefix) + Describe(result.Error)));
        }
        else if (result.Value!.Outcome == PushOutcome.Success)
        {
            Pass($"Loki {url}: accepted a test line ({result.Value.StatusCode}) in {{{CheckLabels()}}}");
        }
        else
        {
            // Without an HTTP status, a configuration error is TLS (its detail says so) or an unreadable credential file.
            var detail = result.Value.Detail ?? "";
            if (result.Value is { StatusCode: null, Outcome: PushOutcome.ConfigurationError } && !detail.StartsWith("TLS", StringComparison.Ordinal))
            {
                detail = LokiAnswer.CredentialsPrefix + detail;
            }

            Fail($"Loki {url}: did not accept a test line", LokiAnswer.Explain(result.Value.StatusCode, detail));
        }
    }

    /// <summary>One line, in a stream of its own, that says where it came from.</summary>
    private PushBatch TestLine()
    {
        var labels = new LabelSetBuilder();
        foreach (var (name, value) in LabelPairs())
        {
            labels.Set(name, value);
        }

        labels.TryBuild(out var set, out _);
        var stream = new PushStream(set!);
        var now = DateTimeOffset.UtcNow;
        var line = string.Create(CultureInfo.InvariantCulture, $"actorloki check: test line from {Environment.MachineName} at {now:O}");
        stream.Add((now - DateTimeOffset.UnixEpoch).Ticks * 100, Encoding.UTF8.GetBytes(line));
        return new PushBatch(1, [stream]);
    }

    private IEnumerable<(string Name, string Value)> LabelPairs()
    {
        yield return ("app", "actorloki-check");
        if (settings.ClusterName.Length > 0)
        {
            yield return ("cluster", settings.ClusterName);
        }
    }

    private string CheckLabels() => string.Join(", ", LabelPairs().Select(p => $"{p.Name}=\"{p.Value}\""));

    // ---- reporting ---------------------------------------------------------------------------------------

    /// <summary>Runs one step within the check timeout; its exception, if any, is the result.</summary>
    private async Task<(T? Value, Exception? Error)> AttemptAsync<T>(Func<CancellationToken, Task<T>> step, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            return (await step(timeout.Token).ConfigureAwait(false), null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            return (default, e);
        }
    }

    private void Pass(string what)
    {
        _passed++;
        output.WriteLine($"✓ {what}");
        output.Flush();
    }

    /// <summary>A remark on the check just passed: worth knowing, not a failure.</summary>
    private void Note(string note)
    {
        output.WriteLine($"    ! {note}");
        output.Flush();
    }

    private void Fail(string what, Diagnosis diagnosis)
    {
        _failed++;
        output.WriteLine($"✗ {what}: {diagnosis.Problem}");
        foreach (var fix in diagnosis.Fixes)
        {
            output.WriteLine($"    → {fix}");
        }

        output.Flush();
    }

    private static string Describe(Exception? e) => e switch
    {
        null => "",
        OperationCanceledException => "no answer in time (actorloki.check.timeout)",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => $"TLS: {e.Message}",
        _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
    };

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
