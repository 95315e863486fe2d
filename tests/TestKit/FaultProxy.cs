using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Kaniko.TestKit;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a server (a registry, a token issuer) that injects faults for
/// retry tests: cut a connection after N bytes, reject connections, stop accepting, delay responses.
/// Faults apply to connections accepted after they are set. HTTP Host headers pass unchanged, so a
/// registry's absolute Location URLs point back at the proxy.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentQueue<ConnectionPlan> _plans = new();
    private readonly ConcurrentDictionary<int, Socket> _open = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _listenerLock = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _connectionCount;
    private int _nextId;
    private long _bytesToTarget;
    private long _bytesToClient;
    private long _responseDelayTicks;

    private FaultProxy(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c> of the proxy: use it in place of the target's host.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Connections accepted so far (including rejected ones).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public long BytesToTarget => Interlocked.Read(ref _bytesToTarget);

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>Wait this long before forwarding each chunk from the target (0: none).</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, value.Ticks);
    }

    /// <summary>Starts a proxy to <paramref name="target"/> (<c>127.0.0.1:PORT</c>).</summary>
    public static Task<FaultProxy> StartAsync(string target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var endPoint = IPEndPoint.Parse(target);
        var listener = Listen(0);
        var proxy = new FaultProxy(endPoint, ((IPEndPoint)listener.LocalEndPoint!).Port);
        proxy.StartAccepting(listener);
        return Task.FromResult(proxy);
    }

    /// <summary>
    /// The next <paramref name="count"/> connections are cut once the target has sent
    /// <paramref name="afterResponseBytes"/> bytes to the client, or the client has sent
    /// <paramref name="afterRequestBytes"/> to the target. <paramref name="reset"/>: RST instead of FIN.
    /// </summary>
    public void DropNextConnections(
        int count, long afterResponseBytes, long afterRequestBytes = long.MaxValue, bool reset = true)
    {
        for (var i = 0; i < count; i++)
        {
            _plans.Enqueue(new ConnectionPlan(Reject: false, afterResponseBytes, afterRequestBytes, reset));
        }
    }

    /// <summary>The next <paramref name="count"/> connections are accepted and reset at once.</summary>
    public void RejectNextConnections(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _plans.Enqueue(new ConnectionPlan(Reject: true, 0, 0, Reset: true));
        }
    }

    /// <summary>Forget pending per-connection faults.</summary>
    public void ClearFaults() => _plans.Clear();

    /// <summary>Close the listening socket: new connections are refused; open ones go on.</summary>
    public void StopAccepting()
    {
        lock (_listenerLock)
        {
            _listener?.Dispose();
            _listener = null;
        }
    }

    /// <summary>Listen again on the same port.</summary>
    public void ResumeAccepting()
    {
        lock (_listenerLock)
        {
            if (_listener is null)
            {
                StartAccepting(Listen(Port));
            }
        }
    }

    /// <summary>Cut every open connection now (RST).</summary>
    public void ResetOpenConnections()
    {
        foreach (var (_, socket) in _open)
        {
            Abort(socket, reset: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        StopAccepting();
        ResetOpenConnections();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private static Socket Listen(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(128);
        return socket;
    }

    private void StartAccepting(Socket listener)
    {
        lock (_listenerLock)
        {
            _listener = listener;
            _acceptLoop = AcceptLoopAsync(listener);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            var plan = _plans.TryDequeue(out var next) ? next : ConnectionPlan.None;
            _ = Task.Run(() => HandleAsync(client, plan));
        }
    }

    private async Task HandleAsync(Socket client, ConnectionPlan plan)
    {
        client.NoDelay = true;
        if (plan.Reject)
        {
            Abort(client, reset: true);
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var clientId = Interlocked.Increment(ref _nextId);
        var serverId = Interlocked.Increment(ref _nextId);
        _open[clientId] = client;
        _open[serverId] = server;
        try
        {
            await server.ConnectAsync(_target, _stopping.Token);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var up = PumpAsync(client, server, plan.AfterRequestBytes, toClient: false, cut);
            var down = PumpAsync(server, client, plan.AfterResponseBytes, toClient: true, cut);
            var limited = await Task.WhenAll(up, down);
            if (limited[0] || limited[1])
            {
                // A byte limit was reached: cut both sides.
                Abort(client, plan.Reset);
                Abort(server, plan.Reset);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _open.TryRemove(clientId, out _);
            _open.TryRemove(serverId, out _);
            Abort(client, reset: false);
            Abort(server, reset: false);
        }
    }

    /// <summary>Copies until EOF (then half-closes the other side) or the limit; true if the limit cut it.</summary>
    private async Task<bool> PumpAsync(Socket from, Socket to, long limit, bool toClient, CancellationTokenSource cut)
    {
        var buffer = new byte[64 * 1024];
        long sent = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cut.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return false;
                }

                if (toClient && ResponseDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ResponseDelay, cut.Token);
                }

                var allowed = (int)Math.Min(read, limit - sent);
                if (allowed > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, allowed), SocketFlags.None, cut.Token);
                    sent += allowed;
                    Interlocked.Add(ref toClient ? ref _bytesToClient : ref _bytesToTarget, allowed);
                }

                if (sent >= limit)
                {
                    await cut.CancelAsync();
                    return true;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            await cut.CancelAsync();
            return false;
        }
    }

    private static void Abort(Socket socket, bool reset)
    {
        try
        {
            if (reset)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed record ConnectionPlan(bool Reject, long AfterResponseBytes, long AfterRequestBytes, bool Reset)
    {
        public static ConnectionPlan None { get; } = new(false, long.MaxValue, long.MaxValue, false);
    }
}
