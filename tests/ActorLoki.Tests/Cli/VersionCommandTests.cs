using System.Diagnostics;
using System.Reflection;
using ActorLoki.Cli;

namespace ActorLoki.Tests.Cli;

public sealed class VersionCommandTests
{
    private static string AssemblyVersion =>
        typeof(ActorLokiCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    [Fact]
    public async Task Version_prints_the_informational_version_of_the_executable()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await ActorLokiCli.InvokeAsync(["version"], output, error);

        exit.Should().Be(0);
        output.ToString().Trim().Should().Be(AssemblyVersion);
        AssemblyVersion.Should().StartWith("0.1.0");
        error.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task The_built_executable_prints_its_version_when_run_as_a_process()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "actorloki.dll");
        File.Exists(dll).Should().BeTrue($"the executable is built next to the tests ({dll})");

        var start = new ProcessStartInfo("dotnet", [dll, "version"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(0);
        stdout.Trim().Should().Be(AssemblyVersion);
    }

    [Fact]
    public async Task An_unknown_command_is_an_error()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await ActorLokiCli.InvokeAsync(["frobnicate"], output, error);

        exit.Should().NotBe(0);
        error.ToString().Should().Contain("frobnicate");
    }
}
