using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// A tenant's own indicator catalog: who may read it (everyone of the tenant) and who may save a version (assessors and
/// tenant admins). Always the caller's own tenant: the tenant comes from the credential, never from the request.
/// </summary>
public sealed class CatalogDesk(IClusterClient cluster, RoundCatalogs catalogs)
{
    /// <summary>A year's catalog (year &gt; 0), a version by number (version &gt; 0), or the latest.</summary>
    public async Task<(int Version, string Yaml, Domain.Catalog.IndicatorCatalog Catalog)> GetAsync(Caller caller, int year, int version)
    {
        RequireTenant(caller);
        RequestChecks.Require(
            year == 0 ? null : RequestChecks.Year(year),
            version < 0 ? new FieldError("version", "须为版本号（0 表示按年度或最新版）") : null);
        if (version > 0)
        {
            var stored = await Grain(caller).Get(version) ?? throw new NotFoundException($"指标目录没有第 {version} 版。");
            return (stored.Version, stored.Yaml, Domain.Catalog.IndicatorCatalog.FromText(stored.Yaml));
        }

        var resolved = await catalogs.ForYearOrLatestAsync(caller.Tenant, year);
        var text = await Grain(caller).Get(resolved.Version);
        return (resolved.Version, text?.Yaml ?? Domain.Catalog.IndicatorCatalog.DefaultText, resolved.Catalog);
    }

    public Task<CatalogVersionSummary[]> ListAsync(Caller caller)
    {
        RequireTenant(caller);
        return Grain(caller).List();
    }

    public Task<CatalogVersion> SaveAsync(Caller caller, string yaml, string? note, int? expectedVersion)
    {
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }

        var problems = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(yaml) || yaml.Length > Grains.Grains.CatalogGrain.MaxTextLength)
        {
            problems.Add(new FieldError("catalog_yaml", $"须为指标目录文件内容（YAML，不超过 {Grains.Grains.CatalogGrain.MaxTextLength} 个字符）"));
        }

        if (Domain.Keys.FreeText.Problem(note, 200) is { } noteProblem)
        {
            problems.Add(new FieldError("note", "说明" + noteProblem));
        }

        RequestChecks.Require([.. problems]);
        return Grain(caller).Save(yaml, CountyDesk.Actor(caller), note, expectedVersion);
    }

    /// <summary>For a retry in doubt: the latest version when it holds exactly this text and note, else null.</summary>
    public async Task<CatalogVersion?> SavedAsync(Caller caller, string yaml, string? note)
    {
        var versions = await Grain(caller).List();
        if (versions.Length == 0)
        {
            return null;
        }

        var latest = await Grain(caller).Get(versions.Max(v => v.Version));
        return latest is not null && latest.Yaml == yaml && latest.Note == note ? latest : null;
    }

    private ICatalogGrain Grain(Caller caller) => cluster.GetGrain<ICatalogGrain>(GrainKeys.Tenant(caller.Tenant));

    private static void RequireTenant(Caller caller)
    {
        if (caller.Role == Role.Operator)
        {
            throw new PermissionDeniedException(); // operators run the platform, not a tenant's assessment
        }
    }
}
