using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Assessment.Bulletins;

namespace Assessment.Server.Services;

/// <summary>
/// The latest draft bulletin of each tenant-year and format rendered with the built-in template, kept with a hash of
/// everything it was rendered from (ranking, timeliness, profile, date). That render is a pure function of its input,
/// so an equal hash means an equal document (a tenant's own template may print the time, so its drafts are not kept): at deadline time assessors reload the draft again and again while nothing
/// changed, and the start-up warm-up's render makes the first draft after a restart a lookup. Any change of ranking,
/// progress, profile or day changes the hash and renders afresh. Bounded: one entry per tenant-year-format,
/// at most <see cref="MaxEntries"/> (all dropped when full; they are cheap to make again).
/// </summary>
public sealed class DraftCache
{
    public const int MaxEntries = 256;
    private readonly ConcurrentDictionary<(string Tenant, int Year, BulletinFormat Format), (byte[] Hash, RenderedBulletin Draft)> _drafts = new();

    /// <summary>What identifies a built-in render's result: its input, hashed.</summary>
    public static byte[] Key(BulletinInput input) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(input));

    public RenderedBulletin? Find(string tenant, int year, BulletinFormat format, byte[] key) =>
        _drafts.TryGetValue((tenant, year, format), out var kept) && kept.Hash.AsSpan().SequenceEqual(key) ? kept.Draft : null;

    public void Keep(string tenant, int year, BulletinFormat format, byte[] key, RenderedBulletin draft)
    {
        if (_drafts.Count >= MaxEntries && !_drafts.ContainsKey((tenant, year, format)))
        {
            _drafts.Clear();
        }

        _drafts[(tenant, year, format)] = (key, draft);
    }
}
