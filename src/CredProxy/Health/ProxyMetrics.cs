using System.Diagnostics.Metrics;

namespace Kaniko.CredProxy.Health;

/// <summary>
/// The proxy's instruments (meter <c>Kaniko.CredProxy</c>), served in Prometheus text format at <c>/metrics</c>.
/// Label values come from fixed sets only (configured registry hosts, known methods, status codes, refusal
/// kinds): never from what a client sent, and never a secret.
/// </summary>
public sealed class ProxyMetrics
{
    public const string MeterName = "Kaniko.CredProxy";

    /// <summary>Label for requests that matched no configured registry.</summary>
    public const string NoUpstream = "none";

    private static readonly double[] _latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly string[] _methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _tokenFetches;
    private readonly Counter<long> _denials;

    public ProxyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("credproxy.requests", description: "Registry API requests answered, by registry, method and status");
        _duration = meter.CreateHistogram<double>(
            "credproxy.request.duration",
            unit: "s",
            description: "Time from request to the end of the answer, by registry and method",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _latencyBuckets });
        _received = meter.CreateCounter<long>("credproxy.received", unit: "By", description: "Request body bytes received from clients, by registry");
        _sent = meter.CreateCounter<long>("credproxy.sent", unit: "By", description: "Response body bytes sent to clients, by registry");
        _tokenFetches = meter.CreateCounter<long>("credproxy.token.fetches", description: "Bearer token fetches from registry token endpoints, by registry and outcome");
        _denials = meter.CreateCounter<long>("credproxy.denials", description: "Requests the proxy refused, by registry and reason");
    }

    public void Request(string upstream, string method, int status, TimeSpan elapsed, long received, long sent)
    {
        var methodLabel = Method(method);
        _requests.Add(1, new("upstream", upstream), new("method", methodLabel), new("status", StatusLabel(status)));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("upstream", upstream), new("method", methodLabel));
        if (received > 0)
        {
            _received.Add(received, new KeyValuePair<string, object?>("upstream", upstream));
        }

        if (sent > 0)
        {
            _sent.Add(sent, new KeyValuePair<string, object?>("upstream", upstream));
        }
    }

    public void TokenFetch(string upstream, bool succeeded) =>
        _tokenFetches.Add(1, new("upstream", upstream), new("outcome", succeeded ? "ok" : "error"));

    public void Denial(string upstream, DenialReason reason) =>
        _denials.Add(1, new("upstream", upstream), new("reason", ReasonLabel(reason)));

    private static string Method(string method)
    {
        foreach (var known in _methods)
        {
            if (string.Equals(known, method, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return "OTHER";
    }

    private static string StatusLabel(int status) => status is >= 100 and <= 599 ? StatusText(status) : "other";

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        206 => "206",
        307 => "307",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        416 => "416",
        500 => "500",
        502 => "502",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ReasonLabel(DenialReason reason) => reason switch
    {
        DenialReason.PushToken => "push_token",
        DenialReason.Policy => "policy",
        DenialReason.UnknownRegistry => "unknown_registry",
        DenialReason.BadRequest => "bad_request",
        DenialReason.Upstream => "upstream",
        _ => "session",
    };
}

/// <summary>Why the proxy refused a request, as a metrics label.</summary>
public enum DenialReason
{
    /// <summary>Missing or wrong push token.</summary>
    PushToken,

    /// <summary>Allow-lists, declared repositories, DELETE, <c>_catalog</c>.</summary>
    Policy,

    /// <summary>No such configured registry (<c>ns=</c>).</summary>
    UnknownRegistry,

    /// <summary>Encoded paths, repeated parameters, form bodies.</summary>
    BadRequest,

    /// <summary>The registry still answered 401 (credentials or scope refused).</summary>
    Upstream,

    /// <summary>A second or invalid push session claim.</summary>
    Session,
}
