using Microsoft.AspNetCore.Http;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>What the authorizer sees of a request: verb, resource (with subresource), group, namespace, name.</summary>
internal sealed record RequestAttributes(string Verb, string Resource, string Group, string? Namespace, string? Name)
{
    /// <summary>Parses a resource path (<c>/api/v1/...</c> or <c>/apis/group/version/...</c>); null for anything else.</summary>
    public static RequestAttributes? Parse(string method, string path, IQueryCollection query)
    {
        var parts = path.Trim('/').Split('/');
        int at;
        string group;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, at) = (string.Empty, 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, at) = (parts[1], 3);
        }
        else
        {
            return null;
        }

        string? @namespace = null;
        if (parts.Length > at + 1 && parts[at] == "namespaces")
        {
            @namespace = parts[at + 1];
            at += 2;
            if (parts.Length == at)
            {
                return new RequestAttributes(VerbOf(method, true, query), "namespaces", group, null, @namespace);
            }
        }

        var resource = parts[at];
        var name = parts.Length > at + 1 ? parts[at + 1] : null;
        if (parts.Length > at + 2)
        {
            resource += "/" + parts[at + 2];
        }

        return new RequestAttributes(VerbOf(method, name is not null, query), resource, group, @namespace, name);
    }

    private static string VerbOf(string method, bool named, IQueryCollection query) => method switch
    {
        "GET" or "HEAD" when !named && query["watch"].ToString() is "true" or "1" => "watch",
        "GET" or "HEAD" => named ? "get" : "list",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => named ? "delete" : "deletecollection",
        _ => method.ToLowerInvariant(),
    };
}
