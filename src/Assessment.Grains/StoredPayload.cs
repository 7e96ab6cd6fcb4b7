using System.Buffers.Binary;
using System.IO.Compression;

namespace Assessment.Grains;

/// <summary>
/// How a large grain state is kept in its row: Brotli-compressed JSON behind a marker byte and the JSON's length, so
/// each write puts fewer bytes into the row and the write-ahead log (issue 16: a unit's state 2.7 KB → 0.7 KB, where
/// PostgreSQL's own compression left 1.1 KB). Small states stay plain JSON. Reading takes either form, so rows written
/// before (always plain JSON, which never starts with a zero byte) stay readable.
/// </summary>
public static class StoredPayload
{
    /// <summary>States shorter than this are stored as plain JSON: compressing them saves little.</summary>
    public const int CompressFrom = 512;

    /// <summary>The largest state a row may expand to; a larger declared length means the row is corrupt.</summary>
    public const int MaxJsonBytes = 64 * 1024 * 1024;

    private const byte Marker = 0x00;
    private const int HeaderBytes = 5; // marker, then the JSON's length (uint32, little endian)
    // Quality 5 costs a silo about a quarter of its CPU in B1's durable phase; quality 4 and 2 cost less but store
    // more, and quality 2 put WAL per submission over 2× a COPY (docs/benchmarks.md, rounds 6 and 7).
    private const int Quality = 5;
    private const int Window = 16;

    /// <summary>The JSON as stored: compressed when that makes it smaller, else the JSON itself.</summary>
    public static byte[] Pack(byte[] json)
    {
        if (json.Length < CompressFrom)
        {
            return json;
        }

        var packed = new byte[HeaderBytes + BrotliEncoder.GetMaxCompressedLength(json.Length)];
        if (!BrotliEncoder.TryCompress(json, packed.AsSpan(HeaderBytes), out var written, Quality, Window) || HeaderBytes + written >= json.Length)
        {
            return json;
        }

        packed[0] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(1), json.Length);
        return packed[..(HeaderBytes + written)];
    }

    /// <summary>The JSON of a stored payload, whichever form it was stored in.</summary>
    /// <exception cref="InvalidDataException">A compressed payload that does not expand to the length it declares.</exception>
    public static ReadOnlyMemory<byte> Unpack(ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (span.IsEmpty || span[0] != Marker)
        {
            return stored;
        }

        var length = span.Length >= HeaderBytes ? BinaryPrimitives.ReadInt32LittleEndian(span[1..]) : -1;
        if (length is < 0 or > MaxJsonBytes)
        {
            throw new InvalidDataException($"A stored state declares {length} bytes of JSON; at most {MaxJsonBytes} are allowed.");
        }

        var json = new byte[length];
        if (!BrotliDecoder.TryDecompress(span[HeaderBytes..], json, out var written) || written != length)
        {
            throw new InvalidDataException($"A stored state does not expand to the {length} bytes it declares.");
        }

        return json;
    }
}
