using Assessment.Bulletins;
using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Services;

/// <summary>
/// Makes a tenant-year's bulletins: drafts of the current ranking, the results bulletin issued at publication, a
/// 更正通报 after a withdrawal, and each edition's PDF; one path for gRPC and the web pages. Renders with a tenant's own
/// template are rationed: at most <see cref="PerTenant"/> at a time per tenant, a quarter of one core over time per
/// tenant, and across all tenants at most half the cores, so one tenant's slow template cannot take the machine from
/// the others.
/// </summary>
public sealed class BulletinComposer(
    IClusterClient cluster, BulletinRenderer renderer, DraftCache drafts, Grains.RoundCatalogs catalogs, PinnedSchemeTables tables, PdfPrinter printer,
    TimeProvider clock, ILogger<BulletinComposer> logger) : IDisposable
{
    public const int PerTenant = 2;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _tenantRenders = new(Math.Max(1, Environment.ProcessorCount / 2));
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TenantSlot> _perTenant = new(StringComparer.Ordinal);

    /// <summary>Bulletins are dated in China Standard Time (UTC+8, no daylight saving), wherever the server runs.</summary>
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    public const string HtmlType = "text/html; charset=utf-8", MarkdownType = "text/markdown; charset=utf-8", PdfType = "application/pdf";

    public Task<RoundInfo> RoundAsync(string tenant, int year) => RoundAsync(cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)), year);

    private static async Task<RoundInfo> RoundAsync(IRoundGrain round, int year) =>
        await round.GetInfo() ?? throw new PreconditionException(Domain.Workflow.LockReasons.RoundNotOpen, $"{year} 年度考核尚未开启。");

    /// <summary>A render of the current ranking marked 征求意见稿, without 文号 or date (any round not yet published).</summary>
    public async Task<RenderedBulletin> RenderDraftAsync(string tenant, int year, BulletinFormat format)
    {
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await RoundAsync(round, year);
        return await RenderAsync(tenant, info, await round.GetRanking(), format, issue: null);
    }

    /// <summary>For assessors: the issued documents' hashes and the audit chain heads anchored at publication.</summary>
    public async Task<RenderedBulletin> RenderVerificationAsync(string tenant, int year)
    {
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await RoundAsync(round, year);
        var record = await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year)).Get();
        var current = record.Current ?? await IssueAsync(tenant, year);
        var documents = (record.Editions.Length == 0 ? [current] : record.Editions).SelectMany(e => new[]
        {
            new BulletinDocumentHash($"{e.Number} HTML", e.HtmlSha256),
            new BulletinDocumentHash($"{e.Number} Markdown", e.MarkdownSha256),
        }.Concat(e.ModelSha256 is null ? [] : [new BulletinDocumentHash($"{e.Number} 数据（JSON）", e.ModelSha256)]).Concat(e.PdfSha256 is null ? [] : [new BulletinDocumentHash($"{e.Number} PDF", e.PdfSha256)])).ToArray();
        return await RenderAsync(tenant, info, await round.GetRanking(), BulletinFormat.Verification, current.Issue, documents: documents);
    }

    /// <summary>
    /// Issues a published round's results bulletin once: a number from the tenant's sequence for the year of issue and
    /// today's date (Beijing), kept by the round's bulletin grain, then both documents rendered, kept and sent to the
    /// distribution list, and the PDF printed when the server can. Retries and concurrent calls end with the same
    /// documents; the first kept wins. Returns the edition in force.
    /// </summary>
    public Task<PublishedBulletin> IssueAsync(string tenant, int year) => IssueNextAsync(tenant, year, correctionReason: null);

    /// <summary>Issues a 更正通报 for the withdrawn edition in force: its own 文号, naming the one it corrects.</summary>
    public async Task<PublishedBulletin> CorrectAsync(string tenant, int year, string reason)
    {
        var record = await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year)).Get();
        var current = record.Current ?? throw new PreconditionException("BULLETIN_NOT_ISSUED", $"{year} 年度通报尚未印发，无需更正。");
        if (current.Withdrawn is null && record.Pending is null)
        {
            throw new PreconditionException("BULLETIN_IN_FORCE", $"{current.Number} 仍然有效：请先撤回（说明原因），再印发更正通报。");
        }

        return await IssueNextAsync(tenant, year, reason);
    }

    private async Task<PublishedBulletin> IssueNextAsync(string tenant, int year, string? correctionReason)
    {
        var bulletin = cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year));
        var record = await bulletin.Get();
        if (correctionReason is null && record.Current is { } issued)
        {
            return issued;
        }

        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year));
        var info = await RoundAsync(round, year);
        if (!info.Published)
        {
            throw new PreconditionException("ROUND_NOT_PUBLISHED", $"{year} 年度考核结果尚未发布，通报不能印发。");
        }

        var issue = await bulletin.Reserve(DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime));
        record = await bulletin.Get();
        if (issue is null)
        {
            return record.Current!; // in force: issued meanwhile by a concurrent call
        }

        var withdrawn = record.Current is { Withdrawn: { } w } c ? (Edition: c, Withdrawal: w) : default;
        var correction = withdrawn.Edition is null ? null
            : new BulletinCorrection(withdrawn.Edition.Number, withdrawn.Edition.Title, withdrawn.Edition.Issue.IssuedOn, correctionReason ?? withdrawn.Withdrawal.Reason);
        var profile = await ProfileAsync(tenant);
        // One snapshot of the data for both documents, kept beside them: what the bulletin said, and from what.
        var input = await InputAsync(tenant, info, await round.GetRanking(), issue, correction);
        var html = await RenderAsync(tenant, input, BulletinFormat.Html);
        var markdown = await RenderAsync(tenant, input, BulletinFormat.Markdown);
        var model = System.Text.Json.JsonSerializer.Serialize(input, ModelJson);
        var now = clock.GetUtcNow();
        var title = correction is null ? BulletinInput.ResultsTitle(year) : $"关于更正《{correction.Title}》的通报";
        var stored = await bulletin.Store(new PublishedBulletin(
            issue, html.Content, html.Sha256, markdown.Content, markdown.Sha256, now,
            BulletinInput.FormatNumber(profile.DocumentPrefix, issue.IssuedOn.Year, issue.Sequence), title,
            correction?.Number, correction?.Reason,
            Deliveries: (profile.Distribution ?? []).Select(r => new BulletinDelivery(r, now)).ToArray(),
            Model: model,
            ModelSha256: Sha256(model)));
        await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).NoteBulletin(year);
        if (printer.Available)
        {
            try
            {
                var edition = (await bulletin.Get()).Editions.ToList().FindIndex(e => e.Issue == stored.Issue) + 1;
                stored = await PdfAsync(tenant, year, edition);
            }
            catch (AssessmentException ex)
            {
                logger.LogWarning("PDF of {Number} not printed at issue ({Reason}); it will be printed on first download", stored.Number, ex.Message);
            }
        }

        return stored;
    }

    /// <summary>An edition (1 = first) with its PDF: printed from the stored HTML once and kept, then returned as kept.</summary>
    public Task<PublishedBulletin> PdfAsync(string tenant, int year, int edition) =>
        PdfAsync(tenant, cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year)), edition);

    /// <summary>An edition of any of the tenant's publications (通报 or 考核通知) with its PDF, printed once and kept.</summary>
    public async Task<PublishedBulletin> PdfAsync(string tenant, IBulletinGrain bulletin, int edition)
    {
        var record = await bulletin.Get();
        if (edition < 1 || edition > record.Editions.Length)
        {
            throw new NotFoundException("没有该次印发的文件。");
        }

        var kept = record.Editions[edition - 1];
        if (kept.Pdf is not null)
        {
            return kept;
        }

        var pdf = await PrintAsync(tenant, kept.Html);
        return await bulletin.StorePdf(edition, pdf, Sha256(pdf));
    }

    /// <summary>Prints HTML to PDF with the shared browser for <paramref name="tenant"/> (within its share of the print slots), timing it.</summary>
    public async Task<byte[]> PrintAsync(string tenant, string html)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var pdf = await printer.PrintAsync(html, tenant);
        PlatformMeter.BulletinRenderDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("format", "pdf"));
        return pdf;
    }

    private static readonly System.Text.Json.JsonSerializerOptions ModelJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // stored, never served as HTML
    };

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));

    public static string Sha256(string text) => Sha256(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// The bulletin's charts for a ranking (the workbench's ranking page shows the same ones): built once per ranking
    /// result, which the round hands out unchanged until a county changes.
    /// </summary>
    public async Task<IReadOnlyList<BulletinChart>> ChartsAsync(string tenant, int year, RankingResult ranking)
    {
        if (Charts.TryGetValue(ranking, out var built))
        {
            return built;
        }

        var info = await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetInfo() ?? throw new PreconditionException(
            Domain.Workflow.LockReasons.RoundNotOpen, $"{year} 年度考核尚未开启。");
        // In the workbench the scores are on the page anyway: charts whether or not the bulletin publishes scores.
        var charts = BulletinCharts.Build(await InputAsync(tenant, info, ranking, null, withProgress: false) with { PublishScores = true });
        Charts.AddOrUpdate(ranking, charts);
        return charts;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RankingResult, IReadOnlyList<BulletinChart>> Charts = new();

    private async Task<TenantProfile> ProfileAsync(string tenant) =>
        await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile() ?? throw new NotFoundException("租户不存在。");

    private async Task<RenderedBulletin> RenderAsync(string tenant, RoundInfo info, RankingResult ranking, BulletinFormat format, BulletinIssue? issue,
        BulletinCorrection? correction = null, IReadOnlyList<BulletinDocumentHash>? documents = null) =>
        await RenderAsync(tenant, await InputAsync(tenant, info, ranking, issue, correction, documents), format);

    /// <summary>What a bulletin shows: the tenant's profile and settings, the round's ranking and progress, the issue.</summary>
    private async Task<BulletinInput> InputAsync(string tenant, RoundInfo info, RankingResult ranking, BulletinIssue? issue,
        BulletinCorrection? correction = null, IReadOnlyList<BulletinDocumentHash>? documents = null, bool withProgress = true)
    {
        var profile = await ProfileAsync(tenant);
        var year = info.Year;
        var catalog = (await catalogs.ForYearAsync(tenant, year)).Catalog;
        var settings = profile.Bulletin ?? BulletinProfile.Default;
        // Timeliness reads every county; charts do not need it.
        var progress = withProgress ? await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetProgress() : null;
        // The 评分细则 annex: the pinned 细则 as its table (charts do not need it).
        var standards = withProgress ? (await tables.ForYearAsync(tenant, year)).Rows : [];
        var input = new BulletinInput(
            profile.Name, profile.Issuer, profile.DocumentPrefix, profile.Recipients, year, issue?.Sequence ?? 0,
            issue?.IssuedOn ?? DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime), profile.PublishScores, info.SchemeName, ranking.Grades,
            ranking.Dimensions.Select(d => new BulletinDimension(d.Code, d.Name, d.Weight)).ToArray(),
            ranking.Rows.Select(r => new BulletinRow(r.Rank, r.County, r.Name, r.Total, r.Grade, r.Dimensions, r.LimitedByQuota, r.Vetoed, r.PreviousRank, r.PreviousTotal)).ToArray(),
            ranking.Rows.SelectMany(r => (r.Adjustments ?? []).Select(a => new BulletinAdjustment(r.Name, TargetName(catalog, a.Target), a.Points, a.Reason, a.Evidence))).ToArray(),
            info.Counties.Where(c => info.PublishedHeads.ContainsKey(c.Id))
                .Select(c => new BulletinAnchor(c.Name, info.PublishedHeads[c.Id].Count, info.PublishedHeads[c.Id].Hash)).ToArray(),
            Draft: issue is null,
            Documents: documents)
        {
            Settings = new BulletinSettings
            {
                CopyTo = settings.CopyTo,
                Printer = settings.Printer,
                Public = settings.Public,
                NextSteps = settings.NextSteps ?? [],
                WeakAverage = settings.WeakAverage,
                WeakCounty = settings.WeakCounty,
                RankDrop = settings.RankDrop,
                LateShare = settings.LateShare,
            },
            Correction = correction,
            GradeLines = (ranking.GradeLines ?? []).Select(g => new BulletinGradeLine(g.Grade, g.Min)).ToArray(),
            Timeliness = progress is null ? null : new BulletinTimeliness(progress.UnitsExpected, progress.UnitsSubmitted, progress.Late, progress.MissingValues),
            Standards = standards,
        };
        return input;
    }

    private async Task<RenderedBulletin> RenderAsync(string tenant, BulletinInput input, BulletinFormat format)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var custom = format == BulletinFormat.Verification ? null
            : await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetTemplate(format == BulletinFormat.Html ? "html" : "markdown");
        if (custom is not null)
        {
            // A tenant's own template lays out its own 附件: it is not told of an annex it may not render.
            input = input with { Standards = [] };
        }

        var key = custom is null && input.Draft ? DraftCache.Key(input) : null;
        if (key is not null && drafts.Find(tenant, input.Year, format, key) is { } kept)
        {
            return kept;
        }

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
        if (key is not null)
        {
            drafts.Keep(tenant, input.Year, format, key, rendered);
        }

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

    private static string TargetName(IndicatorCatalog catalog, string code) =>
        catalog.TryGet(code, out var indicator) ? indicator.Name : catalog.Dimensions.FirstOrDefault(d => d.Code == code)?.Name ?? code;
}
