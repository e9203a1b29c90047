using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// The HTTP face of the simulated API server: discovery, pods (list, watch, get, delete, log), ConfigMaps
/// and Leases, behind authentication, RBAC denials and injected faults. Answers have the real server's
/// shapes: Status objects for errors, newline-delimited watch events, chunked log streams, and Tables for
/// kubectl.
/// </summary>
internal sealed partial class KubernetesApi(
    SimulatedCluster cluster,
    KubernetesFaults faults,
    SimulatorTokens tokens,
    LogFollowers followers,
    SimulatorCertificates? certificates,
    Func<string> serverAddress)
{
    private const string UserKey = "actorloki.user";

    private static readonly HashSet<string> MetadataFields = new(StringComparer.Ordinal) { "metadata.name", "metadata.namespace" };

    private static readonly HashSet<string> PodFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "status.phase", "status.podIP",
    };

    private KubernetesSimulatorOptions Options => cluster.Options;

    public void Map(WebApplication app)
    {
        app.Use(FilterAsync);
        app.MapGet("/version", context => WriteJsonAsync(context.Response, 200, w => Discovery.WriteVersion(w, Options.Version)));
        foreach (var health in new[] { "/healthz", "/livez", "/readyz" })
        {
            app.MapGet(health, context => context.Response.WriteAsync("ok"));
        }

        app.MapGet("/api", context => WriteJsonAsync(context.Response, 200, w => Discovery.WriteApiVersions(w, serverAddress())));
        app.MapGet("/apis", context => WriteJsonAsync(context.Response, 200, Discovery.WriteGroupList));
        app.MapGet("/api/v1", context => WriteJsonAsync(context.Response, 200, Discovery.WriteCoreResources));
        app.MapGet("/apis/coordination.k8s.io", context => WriteJsonAsync(context.Response, 200, w => Discovery.WriteGroup(w, true)));
        app.MapGet("/apis/coordination.k8s.io/v1", context => WriteJsonAsync(context.Response, 200, Discovery.WriteCoordinationResources));

        MapCollection(app, ResourceType.Pods, "/api/v1");
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", context => LogAsync(context, Route(context, "ns"), Route(context, "name")));
        app.MapDelete("/api/v1/namespaces/{ns}/pods/{name}", DeletePodAsync);

        MapCollection(app, ResourceType.ConfigMaps, "/api/v1");
        MapWritable(app, ResourceType.ConfigMaps, "/api/v1");
        MapCollection(app, ResourceType.Leases, "/apis/coordination.k8s.io/v1");
        MapWritable(app, ResourceType.Leases, "/apis/coordination.k8s.io/v1");

        app.MapFallback(context => new StatusResponse(404, "NotFound", "the server could not find the requested resource").WriteAsync(context.Response));
    }

    private void MapCollection(WebApplication app, ResourceType type, string prefix)
    {
        app.MapGet($"{prefix}/{type.Name}", context => ListOrWatchAsync(context, type, null));
        app.MapGet($"{prefix}/namespaces/{{ns}}/{type.Name}", context => ListOrWatchAsync(context, type, Route(context, "ns")));
        app.MapGet($"{prefix}/namespaces/{{ns}}/{type.Name}/{{name}}", context => GetAsync(context, type));
    }

    private void MapWritable(WebApplication app, ResourceType type, string prefix)
    {
        var collection = $"{prefix}/namespaces/{{ns}}/{type.Name}";
        app.MapPost(collection, context => CreateAsync(context, type));
        app.MapPut(collection + "/{name}", context => UpdateAsync(context, type, patch: false));
        app.MapPatch(collection + "/{name}", context => UpdateAsync(context, type, patch: true));
        app.MapDelete(collection + "/{name}", context => DeleteAsync(context, type));
    }

    /// <summary>Every request: recorded, then faults (delay, injected failure), authentication and RBAC denials.</summary>
    private async Task FilterAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        string? user = null;
        try
        {
            var delay = faults.DelayFor(path);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cluster.Time, context.RequestAborted);
            }

            if (faults.TakeFailure(path) is { } failure)
            {
                await failure.WriteAsync(context.Response);
                return;
            }

            if (path is "/version" or "/healthz" or "/livez" or "/readyz")
            {
                await next(context);
                return;
            }

            user = Authenticate(context);
            if (user is null && Options.RequireAuthentication)
            {
                await StatusResponse.Unauthorized().WriteAsync(context.Response);
                return;
            }

            if (RequestAttributes.Parse(request.Method, path, request.Query) is { } attributes
                && faults.IsDenied(attributes.Verb, attributes.Resource, attributes.Namespace))
            {
                await StatusResponse.Forbidden(user ?? "system:anonymous", attributes.Verb, attributes.Resource, attributes.Group, attributes.Namespace, attributes.Name)
                    .WriteAsync(context.Response);
                return;
            }

            context.Items[UserKey] = user;
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or a fault reset the stream).
        }
        finally
        {
            faults.Record(new RecordedRequest(request.Method, path + request.QueryString, context.Response.StatusCode, user, request.Protocol));
        }
    }

    private string? Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return tokens.Authenticate(header["Bearer ".Length..].Trim());
        }

        if (certificates is not null && context.Connection.ClientCertificate is { } certificate && certificates.Issued(certificate))
        {
            return certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        }

        return null;
    }

    // ---- reads ----

    private async Task ListOrWatchAsync(HttpContext context, ResourceType type, string? @namespace)
    {
        var query = context.Request.Query;
        if (!Selector.TryParseLabels(query["labelSelector"], out var labels, out var error)
            || !Selector.TryParseFields(query["fieldSelector"], FieldsOf(type), type.Name, out var fields, out error))
        {
            await StatusResponse.BadRequest(error!).WriteAsync(context.Response);
            return;
        }

        bool Matches(StoredObject o) => labels.Matches(k => o.Labels.GetValueOrDefault(k)) && fields.Matches(o.Field);
        if (ParseBool(query["watch"]))
        {
            await WatchAsync(context, type, @namespace, Matches);
            return;
        }

        var (all, resourceVersion) = cluster.List(type, @namespace);
        IEnumerable<StoredObject> items = all.Where(Matches);
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            var after = DecodeContinue(token);
            items = items.Where(o => string.CompareOrdinal(Key(o), after) > 0);
        }

        var page = items.ToList();
        string? next = null;
        var remaining = 0;
        if (int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var limit) && limit > 0 && page.Count > limit)
        {
            remaining = page.Count - limit;
            page = page[..limit];
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes(Key(page[^1])));
        }

        if (Tables.Wanted(context.Request.Headers.Accept))
        {
            await WriteJsonAsync(context.Response, 200, w => Tables.Write(w, type, page, resourceVersion, cluster.Time.GetUtcNow(), next));
            return;
        }

        await WriteJsonAsync(context.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", type.ListKind);
            w.WriteString("apiVersion", type.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", resourceVersion.ToString(CultureInfo.InvariantCulture));
            if (next is not null)
            {
                w.WriteString("continue", next);
                w.WriteNumber("remainingItemCount", remaining);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in page)
            {
                w.WriteRawValue(item.Json, skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private async Task GetAsync(HttpContext context, ResourceType type)
    {
        var name = Route(context, "name");
        if (cluster.Get(type, Route(context, "ns"), name) is not { } found)
        {
            await StatusResponse.NotFound(type.Name, name).WriteAsync(context.Response);
            return;
        }

        if (Tables.Wanted(context.Request.Headers.Accept))
        {
            await WriteJsonAsync(context.Response, 200, w => Tables.Write(w, type, [found], found.ResourceVersion, cluster.Time.GetUtcNow()));
            return;
        }

        await WriteRawAsync(context.Response, 200, found.Json);
    }

    // ---- watch ----

    /// <summary>
    /// A watch: the current objects first when no resourceVersion is given, then every matching change from
    /// the history; bookmarks when asked; an ERROR event with a 410 Status when the resourceVersion is older
    /// than the history; a clean end after timeoutSeconds.
    /// </summary>
    private async Task WatchAsync(HttpContext context, ResourceType type, string? @namespace, Func<StoredObject, bool> matches)
    {
        var query = context.Request.Query;
        var rvText = query["resourceVersion"].ToString();
        long cursor = 0;
        if (rvText.Length > 0 && rvText != "0" && !long.TryParse(rvText, CultureInfo.InvariantCulture, out cursor))
        {
            await StatusResponse.BadRequest($"invalid resource version: {rvText}").WriteAsync(context.Response);
            return;
        }

        var bookmarks = ParseBool(query["allowWatchBookmarks"]);
        var timeout = long.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : Options.DefaultWatchTimeout;
        var table = Tables.Wanted(context.Request.Headers.Accept);
        var time = cluster.Time;
        var abort = context.RequestAborted;
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
        await response.StartAsync(abort);
        // Headers go out now, as the API server sends them before the first event or line.
        await response.BodyWriter.FlushAsync(abort);

        var handle = faults.OpenWatch(context);
        try
        {
            var started = time.GetTimestamp();
            if (rvText.Length == 0 || rvText == "0")
            {
                var (items, head) = cluster.List(type, @namespace);
                foreach (var item in items.Where(matches))
                {
                    WriteEvent(response, "ADDED", item, table);
                }

                cursor = head;
                await response.BodyWriter.FlushAsync(abort);
            }

            var entries = new List<HistoryEntry>();
            var nextBookmark = time.GetElapsedTime(started) + Options.BookmarkInterval;
            while (true)
            {
                var elapsed = time.GetElapsedTime(started);
                if (elapsed >= timeout)
                {
                    return;
                }

                if (faults.WatchStall() is { } stall)
                {
                    await WaitAsync(stall, timeout - elapsed, time, abort);
                    continue;
                }

                var changed = cluster.HistorySignal.WaitTask;
                entries.Clear();
                if (!cluster.TryReadHistory(cursor, entries, out var head, out var oldest))
                {
                    WriteError(response, StatusResponse.Expired(cursor, oldest));
                    await response.BodyWriter.FlushAsync(abort);
                    return;
                }

                var wrote = false;
                foreach (var entry in entries)
                {
                    if (entry.Object.Type == type && (@namespace is null || entry.Object.Namespace == @namespace) && EventType(entry, matches) is { } eventType)
                    {
                        WriteEvent(response, eventType, entry.Object, table);
                        wrote = true;
                    }
                }

                cursor = head;
                elapsed = time.GetElapsedTime(started);
                if (bookmarks && !table && elapsed >= nextBookmark)
                {
                    WriteBookmark(response, type, cursor);
                    nextBookmark = elapsed + Options.BookmarkInterval;
                    wrote = true;
                }

                if (wrote)
                {
                    await response.BodyWriter.FlushAsync(abort);
                }

                var until = timeout - elapsed;
                if (bookmarks && !table && nextBookmark - elapsed < until)
                {
                    until = nextBookmark - elapsed;
                }

                await WaitAsync(changed, until, time, abort);
            }
        }
        finally
        {
            faults.Close(handle);
        }
    }

    private static string? EventType(HistoryEntry entry, Func<StoredObject, bool> matches)
    {
        switch (entry.Type)
        {
            case ChangeType.Added:
                return matches(entry.Object) ? "ADDED" : null;
            case ChangeType.Deleted:
                return matches(entry.Previous ?? entry.Object) ? "DELETED" : null;
            default:
                // As the watch cache does: an object that starts or stops matching the selector is added or deleted.
                var now = matches(entry.Object);
                var before = entry.Previous is not null && matches(entry.Previous);
                return (before, now) switch
                {
                    (true, true) => "MODIFIED",
                    (false, true) => "ADDED",
                    (true, false) => "DELETED",
                    _ => null,
                };
        }
    }

    private void WriteEvent(HttpResponse response, string type, StoredObject item, bool table)
    {
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            if (table)
            {
                Tables.Write(writer, item.Type, [item], item.ResourceVersion, cluster.Time.GetUtcNow());
            }
            else
            {
                writer.WriteRawValue(item.Json, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        response.BodyWriter.Write("\n"u8);
    }

    private static void WriteBookmark(HttpResponse response, ResourceType type, long resourceVersion)
    {
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "BOOKMARK");
            writer.WriteStartObject("object");
            writer.WriteString("kind", type.Kind);
            writer.WriteString("apiVersion", type.ApiVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", resourceVersion.ToString(CultureInfo.InvariantCulture));
            writer.WriteNull("creationTimestamp");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        response.BodyWriter.Write("\n"u8);
    }

    private static void WriteError(HttpResponse response, StatusResponse status)
    {
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "ERROR");
            writer.WritePropertyName("object");
            status.WriteJson(writer);
            writer.WriteEndObject();
        }

        response.BodyWriter.Write("\n"u8);
    }

    // ---- writes ----

    private async Task DeletePodAsync(HttpContext context)
    {
        var (ns, name) = (Route(context, "ns"), Route(context, "name"));
        if (cluster.Get(ResourceType.Pods, ns, name) is not { } pod)
        {
            await StatusResponse.NotFound("pods", name).WriteAsync(context.Response);
            return;
        }

        cluster.DeletePod(ns, name);
        await WriteRawAsync(context.Response, 200, pod.Json);
    }

    private async Task CreateAsync(HttpContext context, ResourceType type)
    {
        var ns = Route(context, "ns");
        if (await ReadBodyAsync(context) is not { } body)
        {
            return;
        }

        if ((body["metadata"] as JsonObject)?["namespace"]?.GetValue<string>() is { } bodyNamespace && bodyNamespace != ns)
        {
            await StatusResponse.BadRequest("the namespace of the provided object does not match the namespace sent on the request").WriteAsync(context.Response);
            return;
        }

        if (cluster.Create(type, ns, body, out var created) is { } error)
        {
            await error.WriteAsync(context.Response);
            return;
        }

        await WriteRawAsync(context.Response, 201, created!.Json);
    }

    private async Task UpdateAsync(HttpContext context, ResourceType type, bool patch)
    {
        if (patch && context.Request.ContentType is { } contentType
            && !contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal)
            && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            await new StatusResponse(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json")
                .WriteAsync(context.Response);
            return;
        }

        if (await ReadBodyAsync(context) is not { } body)
        {
            return;
        }

        if (cluster.Update(type, Route(context, "ns"), Route(context, "name"), body, patch, out var updated) is { } error)
        {
            await error.WriteAsync(context.Response);
            return;
        }

        await WriteRawAsync(context.Response, 200, updated!.Json);
    }

    private async Task DeleteAsync(HttpContext context, ResourceType type)
    {
        var name = Route(context, "name");
        if (cluster.Delete(type, Route(context, "ns"), name) is { } error)
        {
            await error.WriteAsync(context.Response);
            return;
        }

        await WriteJsonAsync(context.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteString("status", "Success");
            w.WriteStartObject("details");
            w.WriteString("name", name);
            w.WriteString("group", type.Group);
            w.WriteString("kind", type.Name);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static async Task<JsonObject?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is JsonObject body)
            {
                return body;
            }
        }
        catch (JsonException)
        {
            // Answered below.
        }

        await StatusResponse.BadRequest("the request body is not a JSON object").WriteAsync(context.Response);
        return null;
    }

    // ---- helpers ----

    private static async Task WaitAsync(Task task, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (limit <= TimeSpan.Zero)
        {
            return;
        }

        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(limit, time, delay.Token);
        await Task.WhenAny(task, timer);
        await delay.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            write(writer);
        }

        await response.BodyWriter.FlushAsync();
    }

    private static async Task WriteRawAsync(HttpResponse response, int status, byte[] json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.Body.WriteAsync(json);
    }

    private static string Route(HttpContext context, string key) => context.GetRouteValue(key)?.ToString() ?? string.Empty;

    private static string Key(StoredObject o) => o.Namespace + "/" + o.Name;

    private static string DecodeContinue(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private static HashSet<string> FieldsOf(ResourceType type) => type == ResourceType.Pods ? PodFields : MetadataFields;

    /// <summary>Go's strconv.ParseBool, which the API server uses for query flags.</summary>
    private static bool ParseBool(string? value) => value is "1" or "t" or "T" or "true" or "TRUE" or "True";
}
