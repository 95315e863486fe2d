using System.Runtime.ExceptionServices;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// Writes regular files on worker threads while the dispatcher (the thread reading the tar) goes on. Jobs start in
/// the order given; the dispatcher keeps per-path order by waiting, before it touches a path, for the pending job at
/// that path or at any of its ancestors (<see cref="WaitForPath"/>), and for all jobs before removals and before
/// directory times are set (<see cref="WaitForAll"/>). The first failure stops the rest and is rethrown to the
/// dispatcher.
/// </summary>
internal sealed class FileWriterPool : IDisposable
{
    private readonly object _sync = new();
    private readonly Queue<FileJob> _queue = new();
    private readonly Action<FileJob> _write;
    private readonly Thread[] _workers;
    private readonly int _maxQueued;

    // Dispatcher-only: the jobs not known to be done, by target path, and in dispatch order for pruning.
    private readonly Dictionary<string, FileJob> _pending = new(StringComparer.Ordinal);
    private readonly Queue<FileJob> _dispatched = new();

    private int _running;
    private int _idle;
    private bool _closing;
    private bool _dispatcherWaiting;
    private ExceptionDispatchInfo? _failure;

    public FileWriterPool(int workerCount, int maxQueued, Action<FileJob> write)
    {
        _write = write;
        _maxQueued = maxQueued;
        _workers = new Thread[workerCount];
        for (var i = 0; i < workerCount; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = "layer file writer" };
            _workers[i].Start();
        }
    }

    /// <summary>
    /// Queues a job, or writes it on the calling thread when no worker exists or the queue is full. The pool owns the
    /// job's data from here on, also when this throws.
    /// </summary>
    public void Enqueue(FileJob job)
    {
        if (_failure is not null)
        {
            job.ReleaseData();
            _failure.Throw();
        }

        Prune();
        bool inline;
        lock (_sync)
        {
            inline = _workers.Length == 0 || _queue.Count >= _maxQueued;
            if (!inline)
            {
                _queue.Enqueue(job);
                if (_idle > 0)
                {
                    Monitor.PulseAll(_sync);
                }
            }
        }

        if (inline)
        {
            try
            {
                _write(job);
            }
            finally
            {
                job.ReleaseData();
                job.Done = true;
            }

            return;
        }

        _pending[job.Target] = job;
        _dispatched.Enqueue(job);
    }

    /// <summary>Waits until no job writes at <paramref name="insidePath"/> or above it (a file where a directory is expected).</summary>
    public void WaitForPath(string insidePath)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        for (var path = insidePath; path != InsidePath.Root; path = InsidePath.Parent(path))
        {
            if (_pending.TryGetValue(path, out var job))
            {
                Wait(() => job.Done);
                _pending.Remove(path);
            }
        }

        ThrowIfFailed();
    }

    /// <summary>Waits until every queued job is written.</summary>
    public void WaitForAll()
    {
        Wait(() => _queue.Count == 0 && _running == 0);
        _pending.Clear();
        _dispatched.Clear();
        ThrowIfFailed();
    }

    public void ThrowIfFailed() => _failure?.Throw();

    /// <summary>Stops the workers; jobs not started are dropped (their chunks released).</summary>
    public void Dispose()
    {
        List<FileJob> dropped;
        lock (_sync)
        {
            _closing = true;
            dropped = [.. _queue];
            _queue.Clear();
            Monitor.PulseAll(_sync);
        }

        foreach (var job in dropped)
        {
            job.ReleaseData();
            job.Done = true;
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }
    }

    private void Wait(Func<bool> condition)
    {
        lock (_sync)
        {
            _dispatcherWaiting = true;
            try
            {
                while (!condition() && _failure is null)
                {
                    Monitor.Wait(_sync);
                }
            }
            finally
            {
                _dispatcherWaiting = false;
            }
        }
    }

    private void Prune()
    {
        while (_dispatched.TryPeek(out var head) && head.Done)
        {
            _dispatched.Dequeue();
            if (_pending.TryGetValue(head.Target, out var current) && ReferenceEquals(current, head))
            {
                _pending.Remove(head.Target);
            }
        }
    }

    private void Work()
    {
        FileJob? finished = null;
        while (true)
        {
            FileJob job;
            lock (_sync)
            {
                if (finished is not null)
                {
                    finished.Done = true;
                    _running--;
                    finished = null;
                    if (_dispatcherWaiting)
                    {
                        Monitor.PulseAll(_sync);
                    }
                }

                while (_queue.Count == 0 && !_closing)
                {
                    _idle++;
                    Monitor.Wait(_sync);
                    _idle--;
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                job = _queue.Dequeue();
                _running++;
            }

            try
            {
                if (_failure is null)
                {
                    _write(job);
                }
            }
            catch (Exception exception)
            {
                lock (_sync)
                {
                    _failure ??= ExceptionDispatchInfo.Capture(exception);
                    Monitor.PulseAll(_sync);
                }
            }
            finally
            {
                job.ReleaseData();
                finished = job;
            }
        }
    }
}
