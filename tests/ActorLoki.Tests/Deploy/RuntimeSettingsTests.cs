using System.Diagnostics;
using System.Text.Json;

namespace ActorLoki.Tests.Deploy;

/// <summary>
/// The runtime settings the memory figures depend on travel with the build (actorloki.runtimeconfig.json), not only
/// with the image: run as <c>dotnet actorloki.dll</c> with no variable set, the runtime applies them.
/// </summary>
public sealed class RuntimeSettingsTests
{
    private static readonly string Directory = AppContext.BaseDirectory;

    [Fact]
    public void The_built_runtimeconfig_caps_the_gen0_budget_and_keeps_workstation_non_concurrent_GC_and_tiering_without_dynamic_PGO()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "actorloki.runtimeconfig.json")));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.GetProperty("System.GC.Gen0MaxBudget").GetString().Should().Be("0x200000");
        properties.GetProperty("System.GC.Server").GetBoolean().Should().BeFalse();
        properties.GetProperty("System.GC.Concurrent").GetBoolean().Should().BeFalse();
        properties.TryGetProperty("System.Runtime.TieredCompilation", out _).Should().BeFalse("tiered compilation stays on (the default)");
        properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task The_runtime_applies_the_gen0_budget_from_the_runtimeconfig_with_no_variable_set()
    {
        // `actorloki version --runtime` prints what the GC was configured with (GC.GetConfigurationVariables).
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Directory, "actorloki.dll"));
        start.ArgumentList.Add("version");
        start.ArgumentList.Add("--runtime");
        foreach (var name in start.Environment.Keys.Where(static k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("COMPlus_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(0, output);
        output.Should().Contain("GCGen0MaxBudget = 2097152").And.Contain("ServerGC = False").And.Contain("ConcurrentGC = False");
    }
}
