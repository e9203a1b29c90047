namespace ActorLoki.Shipper.Positions;

/// <summary>Where positions survive a restart of the shipper.</summary>
public interface IPositionsStore
{
    /// <summary>A short description for logs and the check command, e.g. <c>file /var/lib/actorloki/positions.json</c>.</summary>
    string Description { get; }

    /// <summary>Every saved position; empty when nothing was saved yet.</summary>
    Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Replaces what is saved with <paramref name="positions"/>.</summary>
    Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken);
}
