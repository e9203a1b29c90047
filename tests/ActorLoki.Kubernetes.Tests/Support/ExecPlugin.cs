namespace ActorLoki.Kubernetes.Tests.Support;

/// <summary>A shell script acting as an exec credential plugin: prints the token from a file, records each run.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed record ExecPlugin(string Script, string TokenFile, string RunsFile, string InfoFile, string Expires)
{
    public int Runs => File.Exists(RunsFile) ? File.ReadAllLines(RunsFile).Length : 0;

    public static ExecPlugin Create(TempDirectory dir, string expires)
    {
        var script = dir.File("bin/get-token.sh", """
            #!/bin/sh
            echo "$*" >> "$RUNS_FILE"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
            printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' "$(cat "$TOKEN_FILE")" "$EXPIRES"
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new ExecPlugin(script, dir.File("token"), dir.File("runs"), dir.File("info"), expires);
    }

    public string WriteKubeconfig(Uri server, string @namespace = "dev1")
    {
        var path = Path.Combine(Path.GetDirectoryName(TokenFile)!, "kubeconfig");
        File.WriteAllText(path, KubeconfigYaml.Single(
            server.ToString(),
            [],
            [
                "exec:",
                "  apiVersion: client.authentication.k8s.io/v1beta1",
                "  command: ./bin/get-token.sh",
                "  args: [get-token, --cluster, sim]",
                "  env:",
                $"  - {{name: TOKEN_FILE, value: {TokenFile}}}",
                $"  - {{name: RUNS_FILE, value: {RunsFile}}}",
                $"  - {{name: INFO_FILE, value: {InfoFile}}}",
                $"  - {{name: EXPIRES, value: \"{Expires}\"}}",
                "  interactiveMode: Never",
            ],
            @namespace));
        return path;
    }
}
