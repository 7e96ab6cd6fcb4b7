using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Workflow;

/// <summary>What a unit is expected to report under a scheme.</summary>
public static class Completeness
{
    /// <summary>
    /// Unit-sourced inputs of the scheme's scored lines: the indicator itself, or the numerator and denominator of a
    /// computed rate. A unit "misses" each of these it has not reported.
    /// </summary>
    public static string[] RequiredUnitCodes(Scheme scheme, IndicatorCatalog catalog) => RequiredUnitCodes(scheme, catalog, UnitKinds.All);

    /// <summary>The same for a unit of the given kind: only what the catalog asks of that kind (乡镇 or 县直部门).</summary>
    public static string[] RequiredUnitCodes(Scheme scheme, IndicatorCatalog catalog, UnitKinds kind)
    {
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in scheme.Dimensions.SelectMany(d => d.Lines))
        {
            var indicator = catalog[line.Indicator];
            IEnumerable<string> inputs = indicator.IsComputedRate ? [indicator.Numerator!, indicator.Denominator!] : [indicator.Code];
            codes.UnionWith(inputs.Where(c => catalog[c].AcceptsFrom(IndicatorSource.Unit, kind)));
        }

        return [.. codes];
    }

    /// <summary>How many of <paramref name="required"/> are not among <paramref name="reported"/>.</summary>
    public static int Missing(IReadOnlyCollection<string> required, IReadOnlyDictionary<string, double> reported) =>
        required.Count(code => !reported.ContainsKey(code));
}
