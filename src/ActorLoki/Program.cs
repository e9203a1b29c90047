using ActorLoki.Cli;

namespace ActorLoki;

public static class Program
{
    public static Task<int> Main(string[] args) =>
        ActorLokiCli.InvokeAsync(args, Console.Out, Console.Error);
}
