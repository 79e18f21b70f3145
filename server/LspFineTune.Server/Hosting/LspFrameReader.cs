using System.Buffers;
using System.IO.Pipelines;

namespace LspFineTune.Server.Hosting;

/// <summary>One read from the wire: a message body, or a frame that was skipped and why.</summary>
public abstract record LspFrame;

public sealed record LspMessageFrame(byte[] Body) : LspFrame;

/// <summary>A frame the server could not take; <see cref="Envelope"/> is what its body showed (its id), when it was read.</summary>
public sealed record LspSkippedFrame(string Reason, MessageEnvelope? Envelope) : LspFrame;

/// <summary>
/// Reads LSP base-protocol frames (header fields, an empty line, Content-Length bytes of body; see
/// <see cref="FrameHeader"/>) and survives bad ones. A frame whose length is known but whose header is otherwise
/// wrong (an unsupported charset) or whose body is empty is skipped exactly. A frame whose length is unknown (no
/// Content-Length, a non-numeric, conflicting or huge one, a header longer than <see cref="MaxHeaderBytes"/>) leaves the
/// reader lost: it then drops bytes up to the next "Content-Length" (any case), which is where the next frame's header
/// almost certainly starts, and reads on from there. The search starts after the broken header when that was a real
/// header (it named Content-Length), and one byte into it otherwise: bytes with no Content-Length field are most often
/// the rest of a body whose length was understated, which runs into the next frame's header on the same line.
/// Only the end of the stream ends the reading.
/// </summary>
public sealed class LspFrameReader(PipeReader reader)
{
    /// <summary>A real header is under 100 bytes (Content-Length and perhaps Content-Type).</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    /// <summary>
    /// The largest body read: above VS Code's 50 MB limit on the documents it syncs to language servers, so any
    /// document an editor sends fits; larger is a broken or hostile client, and reading it would cost that much memory.
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    /// <summary>How much of a skipped body is read for its id and method.</summary>
    private const int PeekBytes = 64 * 1024;

    private static readonly byte[] ContentLengthName = "content-length"u8.ToArray();

    /// <summary>Whether the start of the next frame is unknown after a broken header.</summary>
    private bool _lost;

    /// <summary>The next frame; null at the end of the stream (also inside a frame: the client went away).</summary>
    public async ValueTask<LspFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_lost)
            {
                if (FindContentLength(buffer) is { } start)
                {
                    _lost = false;
                    reader.AdvanceTo(start);
                    continue;
                }
                if (result.IsCompleted)
                    return End(buffer);
                // The last bytes may be the start of "Content-Length": keep them for the next search.
                reader.AdvanceTo(buffer.GetPosition(Math.Max(0, buffer.Length - (ContentLengthName.Length - 1))), buffer.End);
                continue;
            }
            if (LeadingLineBreaks(buffer) is > 0 and var breaks)
            {
                // Blank lines between frames carry nothing; some clients send them.
                reader.AdvanceTo(buffer.GetPosition(breaks));
                continue;
            }
            if (buffer.IsEmpty && result.IsCompleted)
                return End(buffer);
            if (HeaderOf(buffer) is not var (headerBytes, bodyStart))
            {
                if (buffer.Length >= MaxHeaderBytes)
                    return Lose(buffer.GetPosition(1), $"the header is longer than {MaxHeaderBytes:N0} bytes without an empty line ending it", null);
                if (result.IsCompleted)
                    return End(buffer);
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var header = FrameHeader.Parse(headerBytes);
            if (header.ContentLength is not { } length)
                return Lose(header.NamesContentLength ? bodyStart : buffer.GetPosition(1), header.Error!, null);
            if (length > MaxMessageBytes)
            {
                var start = buffer.Slice(bodyStart);
                var envelope = MessageEnvelope.Read(start.Slice(0, Math.Min(start.Length, PeekBytes)), isComplete: false);
                return Lose(bodyStart, $"a body of {length:N0} bytes is more than the {MaxMessageBytes / (1024 * 1024)} MiB the server reads", envelope);
            }
            reader.AdvanceTo(bodyStart);
            if (await ReadBodyAsync((int)length, cancellationToken).ConfigureAwait(false) is not { } body)
                return null;
            if (header.Error is { } error)
                return new LspSkippedFrame(error, MessageEnvelope.Read(new ReadOnlySequence<byte>(body), isComplete: true));
            if (length == 0)
                return new LspSkippedFrame("the body is empty (Content-Length: 0); a message is a JSON object", null);
            return new LspMessageFrame(body);
        }
    }

    /// <summary>The body, copied out of the pipe so the message owns it; null if the stream ends first.</summary>
    private async ValueTask<byte[]?> ReadBodyAsync(int length, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= length)
            {
                var body = buffer.Slice(0, length).ToArray();
                reader.AdvanceTo(buffer.GetPosition(length));
                return body;
            }
            if (result.IsCompleted)
            {
                End(buffer);
                return null;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Skips to <paramref name="searchFrom"/>, from where the next frame's header is searched for.</summary>
    private LspSkippedFrame Lose(SequencePosition searchFrom, string reason, MessageEnvelope? envelope)
    {
        reader.AdvanceTo(searchFrom);
        _lost = true;
        return new LspSkippedFrame(reason + "; what follows up to the next Content-Length header was skipped", envelope);
    }

    private LspFrame? End(ReadOnlySequence<byte> buffer)
    {
        reader.AdvanceTo(buffer.End);
        return null;
    }

    private static int LeadingLineBreaks(ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        foreach (var segment in buffer)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)'\r' or (byte)'\n'))
                    return count;
                count++;
            }
        }
        return count;
    }

    /// <summary>The header fields (without the empty line) and where the body starts; null while no empty line is in sight.</summary>
    private static (byte[] Header, SequencePosition BodyStart)? HeaderOf(ReadOnlySequence<byte> buffer)
    {
        var prefix = buffer.Slice(0, Math.Min(buffer.Length, MaxHeaderBytes)).ToArray();
        var lineStart = 0;
        for (var i = 0; i < prefix.Length; i++)
        {
            if (prefix[i] != '\n')
                continue;
            var lineLength = i - lineStart;
            if (lineLength == 0 || (lineLength == 1 && prefix[lineStart] == '\r'))
                return (prefix[..lineStart], buffer.GetPosition(i + 1));
            lineStart = i + 1;
        }
        return null;
    }

    /// <summary>Where "Content-Length" (ASCII, any case) first occurs in the buffer.</summary>
    private static SequencePosition? FindContentLength(ReadOnlySequence<byte> buffer)
    {
        long offset = 0;
        var matched = 0;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length; i++)
            {
                var lower = span[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(span[i] + 32) : span[i];
                matched = lower == ContentLengthName[matched] ? matched + 1 : lower == ContentLengthName[0] ? 1 : 0;
                if (matched == ContentLengthName.Length)
                    return buffer.GetPosition(offset + i + 1 - matched);
            }
            offset += span.Length;
        }
        return null;
    }
}
