using System.Security.Cryptography;
using System.Text;

namespace Assessment.Server.Services;

/// <summary>
/// The PDFs printed lately, by the SHA-256 of their HTML: a document is a function of its HTML, so the same draft, the
/// same issued edition or the same leader's personal copy asked again is answered without printing. Bounded in
/// entries and bytes, least recently used out first; per silo (a cache, not a store).
/// </summary>
public sealed class PdfCache(int maxEntries = 64, long maxBytes = 96L * 1024 * 1024)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Pdf)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, byte[] Pdf)> _order = new();
    private long _bytes;

    public static string KeyOf(string html) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(html)));

    public bool TryGet(string key, out byte[] pdf)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                pdf = node.Value.Pdf;
                return true;
            }
        }

        pdf = [];
        return false;
    }

    public void Add(string key, byte[] pdf)
    {
        if (pdf.LongLength > maxBytes / 4)
        {
            return; // a very large document would push out everything else
        }

        lock (_gate)
        {
            if (_entries.ContainsKey(key))
            {
                return;
            }

            _entries[key] = _order.AddFirst((key, pdf));
            _bytes += pdf.LongLength;
            while (_entries.Count > maxEntries || _bytes > maxBytes)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= last.Value.Pdf.LongLength;
            }
        }
    }
}
