using ActorLoki.Kubernetes.Models;
using ActorLoki.Loki;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Discovery;

/// <summary>The Loki labels and structured metadata of one container's lines.</summary>
public sealed record StreamLabels(LabelSet Labels, StructuredMetadata? Metadata, IReadOnlyList<LabelProblem> Problems);

/// <summary>
/// Computes a container's stream labels from its pod: <c>namespace</c>, <c>pod</c>, <c>container</c>,
/// <c>cluster</c> (when set), <c>app</c> (the first of <c>labels.app-from</c> the pod has) and
/// <c>job</c> = <c>namespace/app</c>; then the configured pod labels and annotations, then static labels.
/// Nothing volatile (restart count, readiness, node) is ever a label, so a stream's identity lasts as
/// long as its pod. With <c>pod-as-structured-metadata</c> the pod name and UID travel with every line
/// instead of as a label, which keeps Loki's stream count at one per deployment and container.
/// </summary>
public sealed class StreamLabeler(LabelSettings settings, string clusterName, LabelLimits limits)
{
    public StreamLabels For(Pod pod, string container)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod.Metadata;
        var ns = meta?.Namespace ?? string.Empty;
        var podName = meta?.Name ?? string.Empty;
        var builder = new LabelSetBuilder(limits)
            .Set("namespace", ns)
            .Set("container", container);
        if (!settings.PodAsStructuredMetadata)
        {
            builder.Set("pod", podName);
        }

        if (clusterName.Length > 0)
        {
            builder.Set("cluster", clusterName);
        }

        var podLabels = meta?.Labels;
        var app = settings.AppFrom.Select(key => podLabels?.GetValueOrDefault(key)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (app is not null)
        {
            builder.Set("app", app).Set("job", $"{ns}/{app}");
        }

        foreach (var (label, key) in settings.FromPodLabels)
        {
            if (podLabels?.GetValueOrDefault(key) is { Length: > 0 } value)
            {
                builder.Set(label, value);
            }
        }

        foreach (var (label, key) in settings.FromPodAnnotations)
        {
            if (meta?.Annotations?.GetValueOrDefault(key) is { Length: > 0 } value)
            {
                builder.Set(label, value);
            }
        }

        foreach (var (label, value) in settings.Static)
        {
            builder.Set(label, value);
        }

        var metadata = settings.PodAsStructuredMetadata
            ? StructuredMetadata.Create(new Label("pod", podName), new Label("pod_uid", meta?.Uid ?? string.Empty))
            : null;

        if (builder.TryBuild(out var labels, out var problems))
        {
            return new StreamLabels(labels, metadata, problems);
        }

        // Too many labels or a refused name: fall back to the labels ActorLoki always sets, and say why.
        var fallback = new LabelSetBuilder(limits).Set("namespace", ns).Set("container", container);
        if (!settings.PodAsStructuredMetadata)
        {
            fallback.Set("pod", podName);
        }

        return new StreamLabels(fallback.Build(), metadata, problems);
    }
}
