using System.CommandLine;
using System.Text.RegularExpressions;
using ActorLoki.Cli;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Tests.Cli;

/// <summary>--help for the root and every command, and the rule that every option is also a setting.</summary>
public sealed partial class HelpTests
{
    /// <summary>Options about the invocation itself, not settings: where settings come from, how to show them, help.</summary>
    private static readonly HashSet<string> InvocationOptions = new(StringComparer.Ordinal) { "--config", "--set", "--origin", "--runtime", "--help", "--version" };

    private static IEnumerable<Command> Commands(Command command) => [command, .. command.Subcommands.SelectMany(Commands)];

    public static TheoryData<string> CommandLines()
    {
        var data = new TheoryData<string>();
        foreach (var command in Commands(ActorLokiCli.Build(TextWriter.Null, TextWriter.Null)))
        {
            data.Add(Path(command));
        }

        return data;
    }

    private static string Path(Command command) => command.Parents.OfType<Command>().FirstOrDefault() is { } parent and not RootCommand
        ? Path(parent) + " " + command.Name
        : command is RootCommand ? "" : command.Name;

    [Theory]
    [MemberData(nameof(CommandLines))]
    public async Task Help_describes_the_command_its_usage_and_options(string commandLine)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await ActorLokiCli.InvokeAsync([.. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"], output, error);

        exit.Should().Be(0);
        error.ToString().Should().BeEmpty();
        var help = output.ToString();
        // The root's name is the executable's: actorloki, or the test host here.
        help.Should().StartWith("Description:").And.MatchRegex($@"Usage:\r?\n  \S+{Regex.Escape(commandLine.Length > 0 ? " " + commandLine : "")} ");
        help.Should().Contain("Options:");
    }

    [Fact]
    public async Task The_root_help_lists_the_commands_in_the_order_a_newcomer_needs_them()
    {
        using var output = new StringWriter();

        await ActorLokiCli.InvokeAsync(["--help"], output, TextWriter.Null);

        var commands = Regex.Matches(output.ToString(), @"^  (run|demo|check|config|version) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        commands.Should().Equal("run", "demo", "check", "config", "version");
        output.ToString().Should().Contain("actorloki demo").And.Contain("actorloki check");
    }

    [Fact]
    public void Every_option_is_a_shortcut_for_a_setting_that_help_names_and_reference_conf_has()
    {
        var known = ActorLokiConfiguration.KnownKeys.ToHashSet(StringComparer.Ordinal);
        var options = Commands(ActorLokiCli.Build(TextWriter.Null, TextWriter.Null))
            .SelectMany(c => c.Options.Select(o => (Command: c.Name, Option: o)))
            .Where(x => !InvocationOptions.Contains(x.Option.Name))
            .ToList();

        options.Should().NotBeEmpty();
        foreach (var (command, option) in options)
        {
            var key = SettingKey().Match(option.Description ?? "");
            key.Success.Should().BeTrue($"{command} {option.Name} should name the setting it sets: {option.Description}");
            known.Should().Contain(key.Groups[1].Value, $"{command} {option.Name} sets a key of reference.conf");
        }
    }

    [GeneratedRegex(@"\((?:[^()]*; )?(actorloki\.[a-z0-9.-]+)(?: = true)?\)\.$")]
    private static partial Regex SettingKey();
}
