using Assessment.Bulletins;
using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Services;

/// <summary>
/// Builds a tenant-year's bulletin from its profile and current ranking; one path for gRPC and the web page. Renders with
/// a tenant's own template are rationed: at most <see cref="PerTenant"/> at a time per tenant, a quarter of one core
/// over time per tenant, and across all tenants at most half the cores, so one tenant's slow template cannot take the
/// machine from the others.
/// </summary>
public sealed class BulletinComposer(IClusterClient cluster, BulletinRenderer renderer, IndicatorCatalog catalog, TimeProvider clock) : IDisposable
{
    public const int PerTenant = 2;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _tenantRenders = new(Math.Max(1, Environment.ProcessorCount / 2));
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TenantSlot> _perTenant = new(StringComparer.Ordinal);

    /// <summary>Bulletins are dated in China Standard Time (UTC+8, no daylight saving), wherever the server runs.</summary>
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    /// <summary>
    /// The bulletin of a tenant-year. A published round's bulletin is the document issued at publication, returned
    /// byte for byte (issued now if its round was published before it was kept); any other render is a 征求意见稿.
    /// </summary>
    public async Task<RenderedBulletin> RenderAsync(string tenant, int year, BulletinFormat format)
    {
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await round.GetInfo() ?? throw new PreconditionException("ROUND_NOT_OPEN", $"{year} 年度考核尚未开启。");
        if (format == BulletinFormat.Verification)
        {
            // The issued documents' hashes and the anchored chain heads: for assessors, never in the leaders' bulletin.
            var issued = await IssueAsync(tenant, year);
            return await RenderAsync(tenant, info, await round.GetRanking(), format, issued.Issue,
                [new BulletinDocumentHash("HTML", issued.HtmlSha256), new BulletinDocumentHash("Markdown", issued.MarkdownSha256)]);
        }

        if (info.Published)
        {
            var issued = await IssueAsync(tenant, year);
            return format == BulletinFormat.Html
                ? new RenderedBulletin(issued.Html, HtmlType, issued.HtmlSha256)
                : new RenderedBulletin(issued.Markdown, MarkdownType, issued.MarkdownSha256);
        }

        return await RenderAsync(tenant, info, await round.GetRanking(), format, issue: null);
    }

    /// <summary>
    /// Issues a published round's bulletin once: a number from the tenant's sequence for the year of issue and today's
    /// date (Beijing), both kept by the round's bulletin grain, then both documents rendered and kept. Retries and
    /// concurrent calls end with the same documents; the first kept wins.
    /// </summary>
    public async Task<PublishedBulletin> IssueAsync(string tenant, int year)
    {
        var bulletin = cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year));
        if (await bulletin.Get() is { } kept)
        {
            return kept;
        }

        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await round.GetInfo() ?? throw new PreconditionException("ROUND_NOT_OPEN", $"{year} 年度考核尚未开启。");
        if (!info.Published)
        {
            throw new PreconditionException("ROUND_NOT_PUBLISHED", $"{year} 年度考核结果尚未发布，通报不能印发。");
        }

        var issue = await bulletin.Reserve(DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime));
        var ranking = await round.GetRanking();
        var html = await RenderAsync(tenant, info, ranking, BulletinFormat.Html, issue);
        var markdown = await RenderAsync(tenant, info, ranking, BulletinFormat.Markdown, issue);
        return await bulletin.Store(new PublishedBulletin(issue, html.Content, html.Sha256, markdown.Content, markdown.Sha256, clock.GetUtcNow()));
    }

    private const string HtmlType = "text/html; charset=utf-8", MarkdownType = "text/markdown; charset=utf-8";

    private async Task<RenderedBulletin> RenderAsync(string tenant, RoundInfo info, RankingResult ranking, BulletinFormat format, BulletinIssue? issue,
        IReadOnlyList<BulletinDocumentHash>? documents = null)
    {
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile()
            ?? throw new NotFoundException("租户不存在。");
        var year = info.Year;
        var input = new BulletinInput(
            profile.Name, profile.Issuer, profile.DocumentPrefix, profile.Recipients, year, issue?.Sequence ?? 0,
            issue?.IssuedOn ?? DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime), profile.PublishScores, info.SchemeName, ranking.Grades,
            ranking.Dimensions.Select(d => new BulletinDimension(d.Code, d.Name, d.Weight)).ToArray(),
            ranking.Rows.Select(r => new BulletinRow(r.Rank, r.County, r.Name, r.Total, r.Grade, r.Dimensions, r.LimitedByQuota, r.Vetoed, r.PreviousRank)).ToArray(),
            ranking.Rows.SelectMany(r => (r.Adjustments ?? []).Select(a => new BulletinAdjustment(r.Name, TargetName(a.Target), a.Points, a.Reason, a.Evidence))).ToArray(),
            info.Counties.Where(c => info.PublishedHeads.ContainsKey(c.Id))
                .Select(c => new BulletinAnchor(c.Name, info.PublishedHeads[c.Id].Count, info.PublishedHeads[c.Id].Hash)).ToArray(),
            Draft: issue is null,
            Documents: documents);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var custom = format == BulletinFormat.Verification ? null
            : await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetTemplate(format == BulletinFormat.Html ? "html" : "markdown");
        RenderedBulletin rendered;
        try
        {
            rendered = custom is null ? renderer.Render(input, format) : await RenderRationedAsync(tenant, input, format, custom);
        }
        catch (BulletinTemplateException ex)
        {
            throw new PreconditionException("TEMPLATE_FAILED", $"本市（州）自定义通报模板无法渲染：{ex.Message}（可上传空模板恢复默认模板）");
        }

        PlatformMeter.BulletinRenderDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("format", format == BulletinFormat.Html ? "html" : "markdown"));
        return rendered;
    }

    private async Task<RenderedBulletin> RenderRationedAsync(string tenant, BulletinInput input, BulletinFormat format, string template)
    {
        var slot = _perTenant.GetOrAdd(tenant, _ => new TenantSlot());
        if (!await slot.Gate.WaitAsync(Wait))
        {
            throw new ResourceExhaustedException($"本市（州）已有 {PerTenant} 份通报正在按自定义模板生成，请稍后重试。");
        }

        try
        {
            // A tenant's own templates get a quarter of one core over time: after a render of t, its next starts t × 3
            // later. A template that burns CPU slows only its own tenant's bulletins.
            var rest = slot.NextStart - clock.GetUtcNow();
            if (rest > Wait)
            {
                throw new ResourceExhaustedException($"本市（州）自定义模板的通报生成过于频繁，请 {Math.Ceiling(rest.TotalSeconds):0} 秒后重试。");
            }

            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, clock);
            }

            if (!await _tenantRenders.WaitAsync(Wait))
            {
                throw new ResourceExhaustedException("通报生成繁忙，请稍后重试。");
            }

            var started = clock.GetTimestamp();
            try
            {
                return await Task.Run(() => renderer.Render(input, format, template));
            }
            finally
            {
                var took = clock.GetElapsedTime(started);
                _tenantRenders.Release();
                lock (slot)
                {
                    var next = clock.GetUtcNow() + (took * 3);
                    slot.NextStart = next > slot.NextStart ? next : slot.NextStart;
                }
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>A tenant's share of custom-template rendering: how many at once, and when the next may start.</summary>
    private sealed class TenantSlot
    {
        public SemaphoreSlim Gate { get; } = new(PerTenant);

        public DateTimeOffset NextStart { get; set; }
    }

    public void Dispose()
    {
        _tenantRenders.Dispose();
        foreach (var slot in _perTenant.Values)
        {
            slot.Gate.Dispose();
        }
    }

    private string TargetName(string code) =>
        catalog.TryGet(code, out var indicator) ? indicator.Name : catalog.Dimensions.FirstOrDefault(d => d.Code == code)?.Name ?? code;
}
