using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// The caller's fill-in form: which indicators it reports this year, under which scheme, with last year's and this
/// year's values. The same identity checks a workbook coming back, so a form made for another year or scheme is refused.
/// </summary>
public sealed class FillInForms(IClusterClient cluster, Grains.RoundCatalogs catalogs, PinnedSchemeTables tables)
{

    /// <summary>The form of a unit (or a county's own figures, <paramref name="unit"/> = <see cref="GrainKeys.CountySelf"/>).</summary>
    public async Task<Form> BuildAsync(string tenant, string county, string unit, int year)
    {
        var resolved = await catalogs.ForYearAsync(tenant, year);
        var catalog = resolved.Catalog;
        var rows = FillInForm.Rows(catalog, Submitter(unit), await catalogs.UnitKindAsync(tenant, county, unit, year));
        // Five independent reads, made at once.
        var roundRead = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetInfo();
        var schemeRead = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetSchemeText();
        var profileRead = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile();
        var currentRead = cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, county, unit, year)).GetSnapshot();
        var lastRead = GrainKeys.IsValidYear(year - 1)
            ? cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, county, unit, year - 1)).GetSnapshot()
            : Task.FromResult<UnitSnapshot>(null!);
        await Task.WhenAll(roundRead, schemeRead, profileRead, currentRead, lastRead);
        var (round, profile, current, last) = (await roundRead, await profileRead, await currentRead, (UnitSnapshot?)await lastRead);
        var countyInfo = profile?.County(county);
        var form = new Form
        {
            Year = year,
            FormId = FillInForm.Identity(year, round?.SchemeId, rows.Select(r => r.Code)),
            TenantName = profile?.Name ?? "",
            County = county,
            CountyName = countyInfo?.Name ?? "",
            Unit = unit == GrainKeys.CountySelf ? "" : unit,
            UnitName = unit == GrainKeys.CountySelf ? "县（区）本级" : countyInfo?.Units.FirstOrDefault(u => u.Id == unit)?.Name ?? "",
            Scheme = round?.SchemeId ?? "",
            SchemeName = round?.SchemeName ?? "",
        };
        var standards = (await tables.ForYearAsync(tenant, year, await schemeRead)).ByIndicator;
        var now = current.Values.Where(v => v.Value.HasValue).ToDictionary(v => v.Code, v => v.Value!.Value, StringComparer.Ordinal);
        var before = last?.Values.Where(v => v.Value.HasValue).ToDictionary(v => v.Code, v => v.Value!.Value, StringComparer.Ordinal) ?? [];
        foreach (var indicator in rows)
        {
            var row = new FormRow
            {
                Code = indicator.Code,
                Name = indicator.Name,
                Kind = indicator.Kind.ToString().ToLowerInvariant(),
                Measure = indicator.Unit ?? (indicator.Kind == IndicatorKind.Rate ? "%" : ""),
                Dimension = catalog.Dimension(indicator.Dimension).Name,
                Guidance = indicator.Guidance ?? "",
                Standard = standards.GetValueOrDefault(indicator.Code) ?? "",
            };
            if (indicator.Max is { } max)
            {
                row.Max = max;
            }

            if (before.TryGetValue(indicator.Code, out var previous))
            {
                row.LastYear = previous;
            }

            if (now.TryGetValue(indicator.Code, out var value))
            {
                row.Current = value;
            }

            form.Rows.Add(row);
        }

        return form;
    }

    /// <summary>Refuses (FAILED_PRECONDITION, FORM_OUTDATED) a workbook whose form is not this year's current one.</summary>
    public async Task RequireCurrentAsync(string tenant, string county, string unit, int year, string sent)
    {
        var round = await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetInfo();
        var resolved = await catalogs.ForYearAsync(tenant, year);
        var current = FillInForm.Identity(year, round?.SchemeId,
            FillInForm.Rows(resolved.Catalog, Submitter(unit), await catalogs.UnitKindAsync(tenant, county, unit, year)).Select(r => r.Code));
        if (FillInForm.Mismatch(sent, current) is { } problem)
        {
            throw new PreconditionException(LockReasons.FormOutdated, problem);
        }
    }

    /// <summary>The caller's own submission target: a unit key reports for its unit, a county key for the county itself.</summary>
    public static string OwnUnit(Caller caller) =>
        (caller.Role == Role.County ? GrainKeys.CountySelf : caller.Unit) is { } unit && caller.County is not null
            ? unit
            : throw new PermissionDeniedException();

    private static IndicatorSource Submitter(string unit) => unit == GrainKeys.CountySelf ? IndicatorSource.County : IndicatorSource.Unit;
}
