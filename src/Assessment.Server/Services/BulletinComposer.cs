using Assessment.Bulletins;
using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Services;

/// <summary>Builds a tenant-year's bulletin from its profile and current ranking; one path for gRPC and the web page.</summary>
public sealed class BulletinComposer(IClusterClient cluster, BulletinRenderer renderer, IndicatorCatalog catalog, TimeProvider clock)
{
    /// <summary>Bulletins are dated in China Standard Time (UTC+8, no daylight saving), wherever the server runs.</summary>
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    public async Task<RenderedBulletin> RenderAsync(string tenant, int year, BulletinFormat format)
    {
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile()
            ?? throw new NotFoundException("租户不存在。");
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await round.GetInfo() ?? throw new PreconditionException("ROUND_NOT_OPEN", $"{year} 年度考核尚未开启。");
        var ranking = await round.GetRanking();
        var input = new BulletinInput(
            profile.Name, profile.Issuer, profile.DocumentPrefix, profile.Recipients, year, 1,
            DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime), profile.PublishScores, info.SchemeName, ranking.Grades,
            ranking.Dimensions.Select(d => new BulletinDimension(d.Code, d.Name, d.Weight)).ToArray(),
            ranking.Rows.Select(r => new BulletinRow(r.Rank, r.County, r.Name, r.Total, r.Grade, r.Dimensions, r.LimitedByQuota, r.Vetoed, r.PreviousRank)).ToArray(),
            ranking.Rows.SelectMany(r => (r.Adjustments ?? []).Select(a => new BulletinAdjustment(r.Name, TargetName(a.Target), a.Points, a.Reason, a.Evidence))).ToArray(),
            info.Counties.Where(c => info.PublishedHeads.ContainsKey(c.Id))
                .Select(c => new BulletinAnchor(c.Name, info.PublishedHeads[c.Id].Count, info.PublishedHeads[c.Id].Hash)).ToArray());
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var custom = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetTemplate(format == BulletinFormat.Html ? "html" : "markdown");
        RenderedBulletin rendered;
        try
        {
            rendered = renderer.Render(input, format, custom);
        }
        catch (BulletinTemplateException ex)
        {
            throw new PreconditionException("TEMPLATE_FAILED", $"本市（州）自定义通报模板无法渲染：{ex.Message}（可上传空模板恢复默认模板）");
        }

        PlatformMeter.BulletinRenderDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("format", format == BulletinFormat.Html ? "html" : "markdown"));
        return rendered;
    }

    private string TargetName(string code) =>
        catalog.TryGet(code, out var indicator) ? indicator.Name : catalog.Dimensions.FirstOrDefault(d => d.Code == code)?.Name ?? code;
}
