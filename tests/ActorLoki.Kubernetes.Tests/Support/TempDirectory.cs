namespace ActorLoki.Kubernetes.Tests.Support;

/// <summary>A directory for a test's files, removed afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actorloki-k8s-" + Guid.NewGuid().ToString("N"));

    public string File(string name, string? content = null)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (content is not null)
        {
            System.IO.File.WriteAllText(path, content);
        }

        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
