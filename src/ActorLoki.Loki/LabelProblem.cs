namespace ActorLoki.Loki;

/// <summary>What a <see cref="LabelSetBuilder"/> found wrong with a label, or changed to make it acceptable.</summary>
public enum LabelProblemKind
{
    /// <summary>Characters Loki does not accept in a name were replaced with <c>_</c> (or a <c>_</c> put before a leading digit).</summary>
    NameSanitised,

    /// <summary>Two names became the same after sanitising; the later value was kept.</summary>
    NameCollision,

    /// <summary>A value longer than the limit was cut and given a hash suffix that keeps distinct values distinct.</summary>
    ValueTruncated,

    /// <summary>Error: names starting with <c>__</c> are reserved for Loki and Prometheus internals.</summary>
    NameReserved,

    /// <summary>Error: a label name is empty.</summary>
    NameEmpty,

    /// <summary>Error: more label names than Loki's <c>max_label_names_per_series</c>.</summary>
    TooManyLabels,

    /// <summary>Error: Loki requires at least one label per stream.</summary>
    NoLabels,
}

/// <summary>One finding of a <see cref="LabelSetBuilder"/>; <see cref="IsError"/> ones prevent the build.</summary>
public sealed record LabelProblem(LabelProblemKind Kind, string Name, string Message)
{
    public bool IsError => Kind >= LabelProblemKind.NameReserved;

    public override string ToString() => Message;
}

/// <summary>Thrown by <see cref="LabelSetBuilder.Build"/> when the labels cannot form a stream Loki accepts.</summary>
public sealed class LabelSetException : Exception
{
    public LabelSetException()
        : this([])
    {
    }

    public LabelSetException(string message)
        : base(message)
    {
        Problems = [];
    }

    public LabelSetException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public LabelSetException(IReadOnlyList<LabelProblem> problems)
        : base("Invalid stream labels: " + string.Join("; ", problems.Where(p => p.IsError).Select(p => p.Message)))
    {
        Problems = problems;
    }

    public IReadOnlyList<LabelProblem> Problems { get; }
}
