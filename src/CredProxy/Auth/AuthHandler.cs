using System.Net;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Routing;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>
/// Sits under the forwarder: authorizes each upstream request up front for its predicted scopes, and retries
/// once after a 401 only when the request has no body. When it cannot authorize it answers 401 itself,
/// without sending anything upstream, and records why in the <see cref="ForwardContext"/>.
/// </summary>
public sealed class AuthHandler(UpstreamAuthenticator authenticator, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ForwardContext.Key, out var context))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var failure = await authenticator.AuthorizeAsync(request, context.Scopes, false, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            context.AuthFailure = failure;
            return Unauthorized(request);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = Challenge.FromHeaders(response.Headers.WwwAuthenticate);
        if (challenge is null || request.Content is not null)
        {
            if (challenge is not null)
            {
                authenticator.Learn(challenge);
            }

            return response;
        }

        authenticator.Learn(challenge);
        var scopes = Scope.Normalize(context.Scopes.Concat(Scope.ParseMany(challenge.Scope)));
        context.RequestedScopes = scopes;
        Log.Retrying(logger, request.Method.Method, context.Upstream.Host, Scope.Describe(scopes));
        failure = await authenticator.AuthorizeAsync(request, scopes, true, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            context.AuthFailure = failure;
            return response;
        }

        response.Dispose();
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static HttpResponseMessage Unauthorized(HttpRequestMessage request) =>
        new(HttpStatusCode.Unauthorized) { RequestMessage = request, Content = new ByteArrayContent([]) };
}
