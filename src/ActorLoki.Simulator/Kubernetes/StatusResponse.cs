using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>A Kubernetes <c>Status</c> error, written as the API server writes it.</summary>
internal sealed record StatusResponse(int Code, string Reason, string Message)
{
    /// <summary>Seconds for <c>Retry-After</c> and <c>details.retryAfterSeconds</c>, for 429 and 5xx.</summary>
    public int? RetryAfterSeconds { get; init; }

    public string? DetailsName { get; init; }

    public string? DetailsKind { get; init; }

    public string? DetailsGroup { get; init; }

    public static StatusResponse NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found") { DetailsName = name, DetailsKind = resource };

    public static StatusResponse BadRequest(string message) => new(400, "BadRequest", message);

    public static StatusResponse Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static StatusResponse Conflict(string resource, string name, string group) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        {
            DetailsName = name,
            DetailsKind = resource,
            DetailsGroup = group,
        };

    public static StatusResponse AlreadyExists(string resource, string name, string group) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists") { DetailsName = name, DetailsKind = resource, DetailsGroup = group };

    public static StatusResponse Expired(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>The RBAC denial message, word for word as the API server's authorizer phrases it.</summary>
    public static StatusResponse Forbidden(string user, string verb, string resource, string group, string? @namespace, string? name)
    {
        // The subject names the resource without its subresource (pods "web-0"), the verb part names both (pods/log).
        var main = resource.Split('/')[0];
        var subject = name is null ? Qualified(main, group) : $"{Qualified(main, group)} \"{name}\"";
        var scope = @namespace is null ? "at the cluster scope" : $"in the namespace \"{@namespace}\"";
        return new StatusResponse(403, "Forbidden", $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}")
        {
            DetailsName = name,
            DetailsKind = resource,
            DetailsGroup = group,
        };
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Status");
        writer.WriteString("apiVersion", "v1");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", "Failure");
        writer.WriteString("message", Message);
        writer.WriteString("reason", Reason);
        if (DetailsName is not null || DetailsKind is not null || RetryAfterSeconds is not null)
        {
            writer.WriteStartObject("details");
            if (DetailsName is not null)
            {
                writer.WriteString("name", DetailsName);
            }

            if (DetailsGroup is { Length: > 0 })
            {
                writer.WriteString("group", DetailsGroup);
            }

            if (DetailsKind is not null)
            {
                writer.WriteString("kind", DetailsKind);
            }

            if (RetryAfterSeconds is { } seconds)
            {
                writer.WriteNumber("retryAfterSeconds", seconds);
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber("code", Code);
        writer.WriteEndObject();
    }

    public async Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Code;
        response.ContentType = "application/json";
        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            WriteJson(writer);
        }

        await response.BodyWriter.FlushAsync();
    }

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";
}
