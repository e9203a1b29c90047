namespace ActorLoki.Benchmarks;

/// <summary>
/// One benchmark command: <c>dotnet run -c Release --project tests/ActorLoki.Benchmarks -- NAME [args]</c>.
/// Implementations are found by reflection, so adding a benchmark is adding a file.
/// Each prints its figures (a markdown table) to standard output.
/// </summary>
public interface IBenchmark
{
    /// <summary>The command name, e.g. <c>actors</c>.</summary>
    string Name { get; }

    /// <summary>One line for the list of benchmarks.</summary>
    string Description { get; }

    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
