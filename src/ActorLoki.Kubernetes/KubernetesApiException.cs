using System.Net;
using k8s.Models;

namespace ActorLoki.Kubernetes;

/// <summary>
/// The API server answered with an error. <see cref="Exception.Message"/> is the server's own message
/// (for a 403 it names the user, verb, resource and namespace); <see cref="Status"/> is the full
/// <c>Status</c> object when the server sent one. Specific subclasses exist for the codes a caller acts on.
/// </summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubernetesApiException(HttpStatusCode statusCode, string message, V1Status? status = null, string? requestDescription = null)
        : base(message)
    {
        StatusCode = statusCode;
        Status = status;
        RequestDescription = requestDescription;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status object's reason (Forbidden, NotFound, Conflict, AlreadyExists, Expired, ...), if any.</summary>
    public string? Reason => Status?.Reason;

    public V1Status? Status { get; }

    /// <summary>The request that failed, e.g. <c>GET /api/v1/namespaces/dev1/pods</c> (never carries credentials).</summary>
    public string? RequestDescription { get; }

    /// <summary>Builds the most specific exception for a status code.</summary>
    public static KubernetesApiException Create(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription, TimeSpan? retryAfter) =>
        (int)statusCode switch
        {
            400 => new KubernetesBadRequestException(statusCode, message, status, requestDescription),
            401 => new KubernetesUnauthorizedException(statusCode, message, status, requestDescription),
            403 => new KubernetesForbiddenException(statusCode, message, status, requestDescription),
            404 => new KubernetesNotFoundException(statusCode, message, status, requestDescription),
            409 => new KubernetesConflictException(statusCode, message, status, requestDescription),
            410 => new KubernetesGoneException(statusCode, message, status, requestDescription),
            429 => new KubernetesTooManyRequestsException(statusCode, message, status, requestDescription, retryAfter),
            >= 500 => new KubernetesServerErrorException(statusCode, message, status, requestDescription, retryAfter),
            _ => new KubernetesApiException(statusCode, message, status, requestDescription),
        };
}

/// <summary>400: a malformed request, or e.g. <c>previous=true</c> for a container that never terminated.</summary>
public sealed class KubernetesBadRequestException : KubernetesApiException
{
    public KubernetesBadRequestException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }
}

/// <summary>401: the credentials were rejected (expired token, rotated service-account token, ...).</summary>
public sealed class KubernetesUnauthorizedException : KubernetesApiException
{
    public KubernetesUnauthorizedException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }
}

/// <summary>403: RBAC denies the request. The message is the server's, naming the verb and resource that are missing.</summary>
public sealed class KubernetesForbiddenException : KubernetesApiException
{
    public KubernetesForbiddenException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }
}

/// <summary>404: the object (pod, ConfigMap, Lease) does not exist.</summary>
public sealed class KubernetesNotFoundException : KubernetesApiException
{
    public KubernetesNotFoundException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }
}

/// <summary>409: the object changed since it was read (stale resourceVersion), or it already exists (create).</summary>
public sealed class KubernetesConflictException : KubernetesApiException
{
    public KubernetesConflictException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }

    /// <summary>True when a create found the object already there (reason AlreadyExists).</summary>
    public bool AlreadyExists => Reason == "AlreadyExists";
}

/// <summary>410: the resourceVersion (or continue token) is older than the server's history.</summary>
public sealed class KubernetesGoneException : KubernetesApiException
{
    public KubernetesGoneException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription)
        : base(statusCode, message, status, requestDescription)
    {
    }
}

/// <summary>429: API Priority and Fairness or a rate limit; wait <see cref="RetryAfter"/> before retrying.</summary>
public sealed class KubernetesTooManyRequestsException : KubernetesApiException
{
    public KubernetesTooManyRequestsException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription, TimeSpan? retryAfter)
        : base(statusCode, message, status, requestDescription) => RetryAfter = retryAfter;

    /// <summary>From the Retry-After header, else from <c>details.retryAfterSeconds</c>.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>5xx: the server (or a proxy in front of it) failed; retry with back-off.</summary>
public sealed class KubernetesServerErrorException : KubernetesApiException
{
    public KubernetesServerErrorException(HttpStatusCode statusCode, string message, V1Status? status, string? requestDescription, TimeSpan? retryAfter)
        : base(statusCode, message, status, requestDescription) => RetryAfter = retryAfter;

    public TimeSpan? RetryAfter { get; }
}

/// <summary>The client could not be configured (no kubeconfig, a missing file, an invalid context, a failing exec plugin).</summary>
public sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException()
    {
    }

    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The API server's certificate was refused: not issued by the configured CA, or issued for another name than
/// the server's (or <c>tls-server-name</c>). The message says which; the inner exception is the TLS failure.
/// </summary>
public sealed class KubernetesCertificateException : HttpRequestException
{
    public KubernetesCertificateException()
    {
    }

    public KubernetesCertificateException(string message)
        : base(message)
    {
    }

    public KubernetesCertificateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
