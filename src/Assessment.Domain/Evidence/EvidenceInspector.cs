using System.Security.Cryptography;
using System.Text;

namespace Assessment.Domain.Evidence;

/// <summary>What a file's bytes say it is, decided when the last byte has passed.</summary>
/// <param name="Kind">The kind, or null when refused (see <paramref name="Problem"/>) or when only the package can tell.</param>
/// <param name="IsZip">A ZIP package: Word, Excel and OFD files are told apart by their parts, which needs the whole file.</param>
/// <param name="Sha256">The SHA-256 of the whole, 64 lower-case hex digits.</param>
/// <param name="Size">Bytes read.</param>
/// <param name="Problem">Why the file is refused (in Chinese), or null.</param>
public sealed record EvidenceVerdict(EvidenceKind? Kind, bool IsZip, string Sha256, long Size, string? Problem);

/// <summary>
/// Reads a file once, chunk by chunk, in bounded memory (its start, its last 64 KiB and a hash state): the SHA-256 of
/// the whole, the kind its first bytes name, whether it is valid UTF-8 text, and whether its end holds a ZIP's end
/// record — a PDF or an image that a ZIP reader would also open (a polyglot) is refused. Pure: no I/O.
/// </summary>
public sealed class EvidenceInspector : IDisposable
{
    // A ZIP's end record is 22 bytes and its comment at most 65,535: a ZIP reader looks for it no further back.
    private const int TailBytes = 22 + ushort.MaxValue;
    private const int HeadBytes = 16;

    private static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> Png => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> OleCompound => [0xD0, 0xCF, 0x11, 0xE0];

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _head = new byte[HeadBytes];
    private readonly byte[] _tail = new byte[TailBytes];
    private readonly Decoder _utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
    private char[]? _chars;
    private int _headLength;
    private long _size;
    private bool _text = true;

    public long Size => _size;

    /// <summary>True once the first bytes say ZIP (a caller that needs the whole file for the package check keeps it).</summary>
    public bool StartsAsZip => _headLength >= 4 && _head[0] == 'P' && _head[1] == 'K' && _head[2] == 3 && _head[3] == 4;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _hash.AppendData(data);
        if (_headLength < HeadBytes)
        {
            var take = Math.Min(HeadBytes - _headLength, data.Length);
            data[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
        }

        KeepTail(data);
        if (_text)
        {
            _text = IsText(data);
        }

        _size += data.Length;
    }

    public EvidenceVerdict Finish()
    {
        var sha = Convert.ToHexStringLower(_hash.GetHashAndReset());
        EvidenceVerdict Refuse(string problem) => new(null, false, sha, _size, problem);
        EvidenceVerdict Accept(EvidenceKind kind) => new(kind, false, sha, _size, null);
        if (_size == 0)
        {
            return Refuse("文件为空");
        }

        var head = _head.AsSpan(0, _headLength);
        var endsAsZip = EndsAsZip();
        if (head.StartsWith("%PDF-"u8) || head.StartsWith(Jpeg) || head.StartsWith(Png))
        {
            var kind = head[0] == '%' ? EvidenceKind.Pdf : head[0] == 0xFF ? EvidenceKind.Jpeg : EvidenceKind.Png;
            return endsAsZip
                ? Refuse($"文件开头是{kind.Describe()}，末尾却是 ZIP 压缩包（一个文件两种格式），不予受理")
                : Accept(kind);
        }

        if (StartsAsZip)
        {
            return endsAsZip ? new EvidenceVerdict(null, true, sha, _size, null) : Refuse("ZIP 压缩包不完整或已损坏");
        }

        if (head.StartsWith("PK"u8))
        {
            return Refuse("ZIP 压缩包为空或已损坏");
        }

        if (head.StartsWith(OleCompound))
        {
            return Refuse("这是旧版 Office 文件（.doc/.xls）或加密的文件：请另存为 .docx/.xlsx 或 PDF 后再上传");
        }

        if (_text && Flush())
        {
            return Accept(EvidenceKind.Text);
        }

        return Refuse($"不是可受理的文件类型（受理{EvidenceKinds.Accepted}）");
    }

    public void Dispose() => _hash.Dispose();

    private void KeepTail(ReadOnlySpan<byte> data)
    {
        // The last TailBytes bytes, in order, in a buffer of that size.
        if (data.Length >= TailBytes)
        {
            data[^TailBytes..].CopyTo(_tail);
            return;
        }

        var held = (int)Math.Min(_size, TailBytes);
        var keep = Math.Min(held, TailBytes - data.Length);
        if (keep > 0 && held > keep)
        {
            _tail.AsSpan(held - keep, keep).CopyTo(_tail);
        }

        data.CopyTo(_tail.AsSpan(keep));
    }

    private ReadOnlySpan<byte> Tail => _tail.AsSpan(0, (int)Math.Min(_size, TailBytes));

    /// <summary>
    /// An end-of-central-directory record in the last 64 KiB: where a ZIP reader looks. Lenient readers open a ZIP whose
    /// end record is followed by stray bytes, so any such record counts, not only one that ends the file exactly (a
    /// PDF or image holding those four bytes there by chance is one in tens of thousands).
    /// </summary>
    private bool EndsAsZip() => Tail.IndexOf(ZipEnd) >= 0;

    private static ReadOnlySpan<byte> ZipEnd => [(byte)'P', (byte)'K', 5, 6];

    /// <summary>UTF-8 without NUL or control characters other than tab, line feed, form feed and carriage return.</summary>
    private bool IsText(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0C or 0x0D) || b == 0x7F)
            {
                return false;
            }
        }

        _chars ??= new char[Encoding.UTF8.GetMaxCharCount(64 * 1024)];
        try
        {
            while (!data.IsEmpty)
            {
                var take = Math.Min(data.Length, 64 * 1024);
                _utf8.GetChars(data[..take], _chars, flush: false);
                data = data[take..];
            }

            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private bool Flush()
    {
        try
        {
            _utf8.GetChars(ReadOnlySpan<byte>.Empty, _chars ?? [], flush: true);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
