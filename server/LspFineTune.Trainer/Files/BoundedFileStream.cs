namespace LspFineTune.Trainer.Files;

/// <summary>
/// A read-only, forward-only view of an opened regular file that stops at its role's cap (a file can grow after it
/// was opened) and looks at the cancellation token before every read. Made by <see cref="TrainerFiles.OpenRead"/> only.
/// </summary>
internal sealed class BoundedFileStream(FileStream inner, long lengthAtOpen, string path, FileRole role, CancellationToken cancellation) : Stream
{
    private long _read;

    /// <summary>The file's size when it was opened.</summary>
    public long LengthAtOpen { get; } = lengthAtOpen;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        cancellation.ThrowIfCancellationRequested();
        // Ask for one byte past the cap at most, so reaching it is detected without reading on.
        var remaining = role.MaxBytes - _read;
        var allowed = remaining < buffer.Length ? (int)remaining + 1 : buffer.Length;
        var read = inner.Read(buffer[..allowed]);
        _read += read;
        if (_read > role.MaxBytes)
            throw TrainerFiles.GrewPastCap(path, role);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
