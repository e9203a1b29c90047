namespace ActorLoki.Shipper.Positions;

/// <summary>Positions kept in memory: lost when the process ends (tests, the demo).</summary>
public sealed class MemoryPositionsStore : IPositionsStore
{
    private volatile IReadOnlyList<SavedPosition> _saved = [];

    public string Description => "memory (positions are lost when actorloki stops)";

    /// <summary>How many times positions were saved.</summary>
    public int Saves { get; private set; }

    public Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(_saved);

    public Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
    {
        _saved = [.. positions];
        Saves++;
        return Task.CompletedTask;
    }
}
