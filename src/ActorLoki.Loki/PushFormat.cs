namespace ActorLoki.Loki;

/// <summary>The wire format of push requests.</summary>
public enum PushFormat
{
    /// <summary>Protobuf, snappy block-compressed (<c>application/x-protobuf</c>): what Grafana's clients send; smallest and fastest.</summary>
    Protobuf,

    /// <summary>JSON (<c>application/json</c>), optionally gzip-compressed.</summary>
    Json,
}
