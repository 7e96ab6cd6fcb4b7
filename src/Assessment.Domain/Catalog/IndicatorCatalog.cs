using System.Collections.Frozen;

namespace Assessment.Domain.Catalog;

/// <summary>The validated indicator catalog. Immutable; loaded once at start-up.</summary>
public sealed class IndicatorCatalog
{
    private readonly FrozenDictionary<string, Indicator> _byCode;
    private readonly FrozenDictionary<string, Dimension> _dimensions;

    internal IndicatorCatalog(int version, IReadOnlyList<Dimension> dimensions, IReadOnlyList<Indicator> indicators)
    {
        Version = version;
        Dimensions = dimensions;
        Indicators = indicators;
        _byCode = indicators.ToFrozenDictionary(i => i.Code, StringComparer.Ordinal);
        _dimensions = dimensions.ToFrozenDictionary(d => d.Code, StringComparer.Ordinal);
        RatesByPart = indicators
            .Where(i => i.IsComputedRate)
            .SelectMany(r => new[] { (Part: r.Numerator!, Rate: r), (Part: r.Denominator!, Rate: r) })
            .GroupBy(x => x.Part, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<Indicator>)g.Select(x => x.Rate).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The catalog file's version.</summary>
    public int Version { get; }

    /// <summary>Dimensions in catalog order.</summary>
    public IReadOnlyList<Dimension> Dimensions { get; }

    /// <summary>Indicators in catalog order.</summary>
    public IReadOnlyList<Indicator> Indicators { get; }

    /// <summary>Computed rates that use a code as numerator or denominator.</summary>
    public FrozenDictionary<string, IReadOnlyList<Indicator>> RatesByPart { get; }

    /// <summary>Looks an indicator up by code.</summary>
    public bool TryGet(string code, out Indicator indicator) => _byCode.TryGetValue(code, out indicator!);

    /// <summary>The indicator with this code; throws when there is none.</summary>
    public Indicator this[string code] => _byCode.TryGetValue(code, out var i)
        ? i
        : throw new KeyNotFoundException($"Unknown indicator code '{code}'.");

    /// <summary>The dimension with this code.</summary>
    public Dimension Dimension(string code) => _dimensions[code];

    /// <summary>Loads the catalog shipped with the domain library.</summary>
    public static IndicatorCatalog Default => DefaultCatalog.Value;

    /// <summary>The national default catalog's text: every tenant's version 1.</summary>
    public static string DefaultText => DefaultTextValue.Value;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(IndicatorSource, UnitKinds), IReadOnlyList<Indicator>> _asked = new();

    /// <summary>
    /// The indicators a submitter (a unit of the given kind when it is a unit) is asked for, in catalog order; made once
    /// per catalog and kind of submitter, as every form, workbook and validation of a year asks the same question.
    /// </summary>
    public IReadOnlyList<Indicator> AskedOf(IndicatorSource submitter, UnitKinds unitKind) =>
        _asked.GetOrAdd((submitter, unitKind), key => Indicators.Where(i => i.AcceptsFrom(key.Item1, key.Item2)).ToArray());

    /// <summary>The indicators still asked for (not retired), in catalog order.</summary>
    public IEnumerable<Indicator> Active => Indicators.Where(i => !i.Retired);

    private static readonly Lazy<string> DefaultTextValue = new(() => EmbeddedData.Read("catalog.yaml"));

    private static readonly Lazy<IndicatorCatalog> DefaultCatalog =
        new(() => CatalogLoader.Load(DefaultText, "catalog.yaml"));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IndicatorCatalog> Parsed = new(StringComparer.Ordinal);

    /// <summary>Most parsed catalog texts kept; a process serves a handful of tenants' versions at a time.</summary>
    private const int MaxParsed = 256;

    /// <summary>
    /// The catalog of a stored (already validated) text, parsed once per process: every grain and page of a tenant's year
    /// shares one instance. Null or the default text gives <see cref="Default"/>.
    /// </summary>
    public static IndicatorCatalog FromText(string? yaml)
    {
        if (yaml is null || string.Equals(yaml, DefaultText, StringComparison.Ordinal))
        {
            return Default;
        }

        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(yaml)));
        if (Parsed.TryGetValue(key, out var catalog))
        {
            return catalog;
        }

        if (Parsed.Count >= MaxParsed)
        {
            Parsed.Clear();
        }

        return Parsed.GetOrAdd(key, _ => CatalogLoader.Load(yaml, "catalog"));
    }
}
