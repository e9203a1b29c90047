using System.Reflection;

namespace ActorLoki.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var benchmarks = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

        var chosen = args.Length == 0 ? null : benchmarks.FirstOrDefault(b => b.Name == args[0]);
        if (chosen is null)
        {
            await Console.Error.WriteLineAsync("usage: dotnet run -c Release --project tests/ActorLoki.Benchmarks -- <benchmark> [options]");
            foreach (var b in benchmarks)
            {
                await Console.Error.WriteLineAsync($"  {b.Name,-12} {b.Description}");
            }

            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await chosen.RunAsync(args[1..], cancel.Token);
    }

    internal static string Version => typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
}
