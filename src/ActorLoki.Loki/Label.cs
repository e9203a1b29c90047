namespace ActorLoki.Loki;

/// <summary>One label (or structured-metadata pair): a name and its value.</summary>
public readonly record struct Label(string Name, string Value)
{
    public override string ToString() => $"{Name}={Value}";
}
