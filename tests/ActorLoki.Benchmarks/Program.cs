namespace ActorLoki.Benchmarks;

public static class Program
{
    public static int Main()
    {
        Console.Error.WriteLine("No benchmark is built yet.");
        return 2;
    }
}
