using Assessment.Domain;
using Assessment.Domain.Scoring;

namespace Assessment.Server.Services;

/// <summary>A year's pinned 细则 as tables: the rows prefectures publish and each indicator's 评分标准.</summary>
public sealed record SchemeTables(IReadOnlyList<SchemeTableRow> Rows, IReadOnlyDictionary<string, string> ByIndicator)
{
    public static SchemeTables None { get; } = new([], new Dictionary<string, string>());
}

/// <summary>
/// The tables of a round's pinned 细则 (<see cref="SchemeTable"/>) for the fill-in forms and the 通报's annex, made once
/// per scheme text and catalog version and kept for a bounded number of them. The text's hash is the key, not the
/// scheme's id: a draft redefined, or a scheme re-pinned under an id it had before, is another text.
/// </summary>
public sealed class PinnedSchemeTables(IClusterClient cluster, Grains.RoundCatalogs catalogs)
{
    private const int MaxEntries = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Catalog, string TextHash), SchemeTables> _made = new();

    /// <summary>The tables of the year's pinned 细则 (none before it is defined), read with its pinned catalog.</summary>
    public async Task<SchemeTables> ForYearAsync(string tenant, int year, string? text = null)
    {
        text ??= await cluster.GetGrain<Grains.Abstractions.IRoundGrain>(Grains.Abstractions.GrainKeys.Round(tenant, year)).GetSchemeText();
        if (text is null)
        {
            return SchemeTables.None;
        }

        var resolved = await catalogs.ForYearAsync(tenant, year);
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        if (_made.TryGetValue((resolved.Version, hash), out var known))
        {
            return known;
        }

        Scheme scheme;
        try
        {
            scheme = SchemeLoader.Load(text, "scheme", resolved.Catalog);
        }
        catch (DataFileException)
        {
            // The catalog was read from the cache a moment before a re-pin of the catalog: read the pinned one again. A
            // scheme that still does not load with its own pinned catalog is a real fault and is not hidden.
            resolved = await catalogs.ForYearAsync(tenant, year, fresh: true);
            scheme = SchemeLoader.Load(text, "scheme", resolved.Catalog);
        }

        var made = new SchemeTables(SchemeTable.Rows(scheme, resolved.Catalog), SchemeTable.ByIndicator(scheme, resolved.Catalog));
        if (_made.Count >= MaxEntries)
        {
            _made.Clear();
        }

        _made[(resolved.Version, hash)] = made;
        return made;
    }
}
