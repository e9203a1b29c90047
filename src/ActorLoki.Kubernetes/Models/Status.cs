using System.Text.Json.Serialization;

namespace ActorLoki.Kubernetes.Models;

/// <summary>The <c>Status</c> object the API server returns with every error (and in watch ERROR events).</summary>
public sealed class Status
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    /// <summary>Success or Failure.</summary>
    [JsonPropertyName("status")]
    public string? StatusValue { get; set; }

    public string? Message { get; set; }

    /// <summary>A machine-readable reason: Forbidden, NotFound, Conflict, AlreadyExists, Expired, Gone, TooManyRequests, ...</summary>
    public string? Reason { get; set; }

    public int Code { get; set; }

    public StatusDetails? Details { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }

    public string? Group { get; set; }

    public string? Kind { get; set; }

    public int? RetryAfterSeconds { get; set; }

    public List<StatusCause>? Causes { get; set; }
}

public sealed class StatusCause
{
    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string? Field { get; set; }
}
