using System.CommandLine;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Cli;

/// <summary>
/// <c>actorloki config print</c> shows the effective configuration as HOCON (with <c>--origin</c>, where each
/// value came from); <c>actorloki config validate</c> checks it and lists every problem with file:line:col.
/// </summary>
public static class ConfigCommand
{
    /// <param name="environment">Read when a command runs: the process environment in production, a dictionary in tests.</param>
    public static Command Create(TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(environment);
        var config = new Command("config", "Show or check the effective configuration (reference.conf, your file, environment, options).");
        config.Add(CreatePrint(output, error, environment));
        config.Add(CreateValidate(output, environment));
        return config;
    }

    private static Command CreatePrint(TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment)
    {
        var print = new Command("print", "Print the effective configuration as HOCON (secrets redacted); problems go to standard error.");
        var options = ConfigOptions.ForShipper();
        options.AddTo(print);
        var origin = new Option<bool>("--origin") { Description = "Show where each value came from, as a trailing comment." };
        print.Add(origin);
        print.SetAction(parseResult =>
        {
            var result = ActorLokiConfiguration.Load(options.ToSources(parseResult, environment()));
            if (result.Effective is not null)
            {
                output.Write(ActorLokiConfiguration.Render(result.Effective, parseResult.GetValue(origin)));
            }

            WriteProblems(error, result);
            return result.Errors.Any() ? 1 : 0;
        });
        return print;
    }

    private static Command CreateValidate(TextWriter output, Func<IReadOnlyDictionary<string, string>> environment)
    {
        var validate = new Command("validate", "Check the configuration: exit 0 when it is valid, else print every problem and exit 1.");
        var options = ConfigOptions.ForShipper();
        options.AddTo(validate);
        validate.SetAction(parseResult =>
        {
            var result = ActorLokiConfiguration.Load(options.ToSources(parseResult, environment()));
            WriteProblems(output, result);
            var errors = result.Errors.Count();
            var warnings = result.Warnings.Count();
            var source = result.ConfigFile ?? "defaults only, no configuration file";
            output.WriteLine(errors == 0
                ? $"OK: the configuration is valid ({source}{(warnings > 0 ? $"; {Count(warnings, "warning")}" : "")})."
                : $"Invalid configuration ({source}): {Count(errors, "error")}{(warnings > 0 ? $", {Count(warnings, "warning")}" : "")}.");
            return errors == 0 ? 0 : 1;
        });
        return validate;
    }

    internal static void WriteProblems(TextWriter writer, ConfigurationLoadResult result)
    {
        foreach (var problem in result.Errors.Concat(result.Warnings))
        {
            writer.WriteLine($"{(problem.Severity == ProblemSeverity.Error ? "error" : "warning")}: {problem}");

            // A syntax error is easier to fix with the line in front of you; a line that may hold a secret is not shown.
            if (problem.Key.Length == 0 && problem.Origin?.SourceLine is { } line && !SecretKeys.MayHoldSecret(line))
            {
                writer.WriteLine("    " + line.Replace('\t', ' '));
                writer.WriteLine(new string(' ', 4 + Math.Clamp(problem.Origin.Column - 1, 0, line.Length)) + "^");
            }
        }
    }

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
