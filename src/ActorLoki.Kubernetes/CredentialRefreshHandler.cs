using System.Net;
using System.Net.Http.Headers;
using ActorLoki.Kubernetes.Configuration;
using k8s.Authentication;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes;

/// <summary>The package asks ActorLoki's credential provider for each request's bearer token.</summary>
internal sealed class BearerTokenProvider(CredentialProvider credentials) : ITokenProvider
{
    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
        await credentials.GetTokenAsync(cancellationToken).ConfigureAwait(false) is { } token
            ? new AuthenticationHeaderValue("Bearer", token)
            : null!;
}

/// <summary>
/// The outermost handler of the package's pipeline: a 401 makes the credentials forget the rejected token and
/// fetch a fresh one (re-read the token file, re-run the exec plugin), and the request is sent once more. A fixed
/// token is not retried. Request bodies here are buffered (the package's string content), so a resend is safe.
/// </summary>
internal sealed class CredentialRefreshHandler(CredentialProvider credentials, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !credentials.Invalidate(request.Headers.Authorization?.Parameter))
        {
            return response;
        }

        KubernetesLog.CredentialsRejected(logger, request.Method.Method, request.RequestUri!.AbsolutePath);
        response.Dispose();
        request.Headers.Authorization = await credentials.GetTokenAsync(cancellationToken).ConfigureAwait(false) is { } token
            ? new AuthenticationHeaderValue("Bearer", token)
            : null;
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
