using System.Net;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>Answers requests from a function, for failure cases a real registry does not produce on demand.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, int, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    private int _count;

    public StubHandler(Func<HttpRequestMessage, int, HttpResponseMessage> answer)
        : this((request, n) => Task.FromResult(answer(request, n)))
    {
    }

    public List<HttpRequestMessage> Requests { get; } = [];

    public static HttpResponseMessage Json(string body, string? contentType = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType ?? "application/json");
        return response;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int n;
        lock (Requests)
        {
            Requests.Add(request);
            n = _count++;
        }

        return answer(request, n);
    }
}
