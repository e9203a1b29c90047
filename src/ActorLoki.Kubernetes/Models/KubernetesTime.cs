namespace ActorLoki.Kubernetes.Models;

/// <summary>The package's times are <see cref="DateTime"/>s in UTC; ActorLoki's model keeps <see cref="DateTimeOffset"/>s.</summary>
internal static class KubernetesTime
{
    public static DateTimeOffset? Utc(DateTime? time) => time is not { } value
        ? null
        : new DateTimeOffset(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);
}
