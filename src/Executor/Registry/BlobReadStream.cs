using System.Security.Cryptography;
using Kaniko.Executor.Image;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Registry;

/// <summary>
/// A blob's bytes as they arrive, hashed and counted on the way. The read that brings the last byte (or the
/// end of the stream) checks size and digest: reading past the descriptor's size or ending with another digest throws a <see cref="RegistryException"/> naming the blob and the reference.
/// A broken or stalled connection is resumed from the current offset (with a Range request) a few times.
/// </summary>
internal sealed class BlobReadStream : Stream
{
    private const int MaxResumes = 5;

    private readonly Descriptor _blob;
    private readonly ImageReference _repository;
    private readonly Func<long, CancellationToken, Task<HttpResponseMessage>> _reopen;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stallTimeout;
    private readonly ILogger _logger;
    private readonly IncrementalHash _hasher;
    private HttpResponseMessage _response;
    private Stream _body;
    private StallGuard _guard;
    private long _position;
    private int _resumes;
    private bool _verified;
    private bool _disposed;

    private BlobReadStream(Descriptor blob, ImageReference repository, HttpResponseMessage response, Stream body, Func<long, CancellationToken, Task<HttpResponseMessage>> reopen, TimeProvider time, TimeSpan stallTimeout, ILogger logger)
    {
        _blob = blob;
        _repository = repository;
        _reopen = reopen;
        _time = time;
        _stallTimeout = stallTimeout;
        _logger = logger;
        _hasher = blob.Digest.CreateHasher();
        _response = response;
        _body = body;
        _guard = NewGuard(response);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _blob.Size;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Wraps a successful GET of the blob; <paramref name="reopen"/> GETs it again from an offset.</summary>
    public static async Task<BlobReadStream> OpenAsync(Descriptor blob, ImageReference repository, HttpResponseMessage response, Func<long, CancellationToken, Task<HttpResponseMessage>> reopen, TimeProvider time, TimeSpan stallTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new BlobReadStream(blob, repository, response, body, reopen, time, stallTimeout, logger);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (true)
        {
            int n;
            try
            {
                n = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
            {
                await ResumeAsync(e, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _guard.Progress();
            if (n == 0)
            {
                if (_position < _blob.Size && _resumes < MaxResumes)
                {
                    // A connection closed early without an error: treat it as broken.
                    await ResumeAsync(new IOException("the connection closed early"), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Verify();
                return 0;
            }

            if (_position + n > _blob.Size)
            {
                throw Mismatch($"the registry sent more than the {_blob.Size} bytes its descriptor says");
            }

            _hasher.AppendData(buffer.Span[..n]);
            _position += n;
            if (_position == _blob.Size)
            {
                // Check as soon as the last byte arrives: a reader that stops at the size still gets the verdict.
                Verify();
            }

            return n;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _guard.Dispose();
            _body.Dispose();
            _response.Dispose();
            _hasher.Dispose();
        }

        base.Dispose(disposing);
    }

    private StallGuard NewGuard(HttpResponseMessage response) => new(_time, _stallTimeout, response.Dispose);

    private async Task ResumeAsync(Exception cause, CancellationToken cancellationToken)
    {
        var reason = _guard.Stalled ? $"no data for {_stallTimeout.TotalSeconds:0.#} s" : cause.Message;
        if (_resumes >= MaxResumes)
        {
            throw new RegistryException(
                $"download of blob {_blob.Digest} of {_repository} failed after {_position} of {_blob.Size} bytes and {_resumes} resumptions: {reason}",
                _repository.Registry, _repository.Repository, isTransient: true, innerException: cause);
        }

        _resumes++;
        Log.Resuming(_logger, _blob.Digest.ToString(), _repository.RepositoryName, _position, reason);
        _guard.Dispose();
        _body.Dispose();
        _response.Dispose();

        var response = await _reopen(_position, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != System.Net.HttpStatusCode.PartialContent && _position > 0)
        {
            // The registry ignored the Range: skip what we already have.
            var skip = new byte[81920];
            var left = _position;
            while (left > 0)
            {
                var n = await body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                left -= n;
            }
        }
        else if (response.Content.Headers.ContentRange is { From: { } from } && from != _position)
        {
            response.Dispose();
            throw Mismatch($"the registry answered a Range request from byte {_position} with bytes from {from}");
        }

        _response = response;
        _body = body;
        _guard = NewGuard(response);
    }

    private void Verify()
    {
        if (_verified)
        {
            return;
        }

        if (_position != _blob.Size)
        {
            throw Mismatch($"it ended after {_position} of {_blob.Size} bytes");
        }

        var hash = _hasher.GetHashAndReset();
        if (!_blob.Digest.Matches(hash))
        {
            throw Mismatch($"its content has digest {_blob.Digest.Algorithm}:{Convert.ToHexStringLower(hash)}");
        }

        _verified = true;
    }

    private RegistryException Mismatch(string what) =>
        new(
            $"blob {_blob.Digest} of {_repository} is corrupt: {what}. The registry's copy is damaged or was changed; push the image again or ask the registry's operator",
            _repository.Registry, _repository.Repository, isTransient: false);
}
