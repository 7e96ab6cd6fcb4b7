using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Assessment.Domain.Workflow;

/// <summary>
/// One audited change: who, when, what (action on a subject), the state before and after, and why. Before/after are
/// short texts a person can read ("collecting" → "submitted"; "enforce.cases=12" → "enforce.cases=14").
/// </summary>
public sealed record AuditEvent(
    DateTimeOffset At,
    string Actor,
    string Action,
    string Subject,
    string? Before,
    string? After,
    string? Reason);

/// <summary>
/// A stored entry of a hash chain: <see cref="Body"/> is the canonical text of the event (written once, hashed as
/// stored), <see cref="PrevHash"/> the previous entry's hash and <see cref="Hash"/> = SHA-256(prev ‖ "\n" ‖ body).
/// </summary>
public sealed record AuditRecord(int Index, string PrevHash, string Body, string Hash);

/// <summary>The end of a chain: how many entries and the last one's hash. Anchored in the published bulletin.</summary>
public sealed record AuditHead(int Count, string Hash)
{
    public static readonly AuditHead Empty = new(0, AuditChain.Genesis);
}

/// <summary>The result of checking a chain: the first broken index when it is not intact.</summary>
public sealed record AuditVerification(int Count, int? FirstBroken, string? Problem)
{
    public bool Intact => FirstBroken is null;
}

/// <summary>Builds and checks the tamper-evident audit chain of a county-year.</summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The entry that follows <paramref name="head"/>.</summary>
    public static AuditRecord Next(AuditHead head, AuditEvent e)
    {
        var body = Body(head.Count, e);
        return new AuditRecord(head.Count, head.Hash, body, Hash(head.Hash, body));
    }

    public static string Hash(string prevHash, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prevHash + "\n" + body)));

    /// <summary>The canonical text of an event: fixed field order, UTC times to the millisecond, no insignificant space.</summary>
    public static string Body(int index, AuditEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("i", index);
            w.WriteString("at", e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("actor", e.Actor);
            w.WriteString("action", e.Action);
            w.WriteString("subject", e.Subject);
            w.WriteString("before", e.Before);
            w.WriteString("after", e.After);
            w.WriteString("reason", e.Reason);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads an event back from its canonical text (for display; verification never needs it).</summary>
    public static AuditEvent Parse(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        return new AuditEvent(
            DateTimeOffset.Parse(r.GetProperty("at").GetString()!, CultureInfo.InvariantCulture),
            r.GetProperty("actor").GetString()!,
            r.GetProperty("action").GetString()!,
            r.GetProperty("subject").GetString()!,
            r.GetProperty("before").GetString(),
            r.GetProperty("after").GetString(),
            r.GetProperty("reason").GetString());
    }

    /// <summary>
    /// Checks entries read in index order. An entry whose content was changed fails its own hash; a deleted, inserted or
    /// swapped entry breaks the index sequence or the link to its predecessor, so the first broken index is exact.
    /// Removing entries from the end leaves a valid shorter chain: only the <paramref name="anchor"/> (the head
    /// recorded elsewhere, e.g. in the published bulletin) reveals it.
    /// </summary>
    public static AuditVerification Verify(IReadOnlyList<AuditRecord> records, AuditHead? anchor = null)
    {
        var previous = Genesis;
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r.Index != i)
            {
                return new(records.Count, i, $"第 {i} 条记录缺失或顺序错乱（读到的是第 {r.Index} 条）");
            }

            if (!string.Equals(r.PrevHash, previous, StringComparison.Ordinal))
            {
                return new(records.Count, i, $"第 {i} 条记录的前序哈希与第 {i - 1} 条不符");
            }

            if (!string.Equals(Hash(r.PrevHash, r.Body), r.Hash, StringComparison.Ordinal))
            {
                return new(records.Count, i, $"第 {i} 条记录的内容与其哈希不符（记录被改动）");
            }

            previous = r.Hash;
        }

        if (anchor is not null)
        {
            if (records.Count < anchor.Count)
            {
                return new(records.Count, records.Count, $"记录被截断：锚定为 {anchor.Count} 条，只读到 {records.Count} 条");
            }

            if (anchor.Count > 0 && !string.Equals(records[anchor.Count - 1].Hash, anchor.Hash, StringComparison.Ordinal))
            {
                return new(records.Count, anchor.Count - 1, $"第 {anchor.Count - 1} 条记录的哈希与锚定的链尾不符");
            }
        }

        return new(records.Count, null, null);
    }
}
