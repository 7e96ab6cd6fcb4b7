using System.Globalization;
using Assessment.Bulletins;
using Assessment.Domain.Scoring;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// The year's 考核通知: issued by the assessor when the year is defined, with the pinned 细则 as its 附件, through the same
/// pipeline as the results bulletin — a 文号 from the tenant's sequence, GB/T 9704 layout, documents kept once and never
/// rewritten, PDF, distribution to every county of the round with receipts (a county's first reading and download are
/// recorded), withdrawal with a reason and a 更正通知 naming the notice it corrects.
/// </summary>
public sealed class NoticeDesk(IClusterClient cluster, BulletinRenderer renderer, BulletinComposer composer, PdfPrinter printer, RoundCatalogs catalogs,
    TimeProvider clock, ILogger<NoticeDesk> logger)
{
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    private IBulletinGrain Grain(string tenant, int year) => cluster.GetGrain<IBulletinGrain>(GrainKeys.Notice(tenant, year));

    /// <summary>The recipient id of a county on a notice's distribution.</summary>
    public static string RecipientOf(string county) => $"county:{county}";

    private static void Require(Caller caller, int year, params Role[] roles)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        if (!roles.Contains(caller.Role))
        {
            throw new PermissionDeniedException();
        }
    }

    public async Task<BulletinRecord> StatusAsync(Caller caller, int year)
    {
        Require(caller, year, Role.Assessor, Role.TenantAdmin);
        await composer.RoundAsync(caller.Tenant, year);
        return await Grain(caller.Tenant, year).Get();
    }

    /// <summary>The notice in force as a caller may see it listed (assessors, tenant admins, a county it was sent to), or null.</summary>
    public async Task<PublishedBulletin?> InForceAsync(Caller caller, int year)
    {
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin or Role.County) || !GrainKeys.IsValidYear(year))
        {
            return null;
        }

        var current = (await Grain(caller.Tenant, year).Get()).Current;
        return caller.Role == Role.County && current?.Delivery(RecipientOf(caller.County!)) is null ? null : current;
    }

    /// <summary>Issues the year's notice once (a retry, or a second click, gets the notice in force).</summary>
    public async Task<BulletinRecord> IssueAsync(Caller caller, int year)
    {
        Require(caller, year, Role.Assessor);
        var record = await Grain(caller.Tenant, year).Get();
        if (record.Current is { Withdrawn: not null } withdrawn)
        {
            throw new PreconditionException("NOTICE_WITHDRAWN", $"{withdrawn.Number} 已撤回：请印发更正通知（说明原因）。");
        }

        await IssueNextAsync(caller.Tenant, year, correctionReason: null);
        return await Grain(caller.Tenant, year).Get();
    }

    public async Task<BulletinRecord> WithdrawAsync(Caller caller, int year, string reason)
    {
        Require(caller, year, Role.Assessor);
        await composer.RoundAsync(caller.Tenant, year);
        return await Grain(caller.Tenant, year).Withdraw(caller.Name, reason, clock.GetUtcNow());
    }

    public async Task<BulletinRecord> CorrectAsync(Caller caller, int year, string reason)
    {
        Require(caller, year, Role.Assessor);
        var record = await Grain(caller.Tenant, year).Get();
        var current = record.Current ?? throw new PreconditionException("BULLETIN_NOT_ISSUED", $"{year} 年度考核通知尚未印发，无需更正。");
        if (current.Withdrawn is null && record.Pending is null)
        {
            throw new PreconditionException("BULLETIN_IN_FORCE", $"{current.Number} 仍然有效：请先撤回（说明原因），再印发更正通知。");
        }

        await IssueNextAsync(caller.Tenant, year, reason);
        return await Grain(caller.Tenant, year).Get();
    }

    /// <summary>
    /// A notice as handed out: assessors and tenant admins get the documents as kept; a county gets the notice sent to
    /// it, and its first reading or download is recorded. Leaders and units are not on a notice's distribution.
    /// </summary>
    public async Task<BulletinDocument> ReadAsync(Caller caller, int year, BulletinFormat format, bool pdf, int edition, bool download)
    {
        Require(caller, year, Role.Assessor, Role.TenantAdmin, Role.County);
        var grain = Grain(caller.Tenant, year);
        var record = await grain.Get();
        var number = edition == 0 ? record.Editions.Length : edition;
        if (number < 1 || number > record.Editions.Length)
        {
            throw new NotFoundException(record.Editions.Length == 0 ? $"{year} 年度考核通知尚未印发。" : $"{year} 年度没有第 {edition} 次印发的考核通知。");
        }

        var issued = record.Editions[number - 1];
        if (caller.Role == Role.County && issued.Delivery(RecipientOf(caller.County!)) is null)
        {
            throw new PermissionDeniedException(); // not sent to this county (not on the year's roster)
        }

        if (pdf)
        {
            issued = await composer.PdfAsync(caller.Tenant, grain, number);
        }

        var (data, type, sha) = pdf ? (issued.Pdf!, BulletinComposer.PdfType, issued.PdfSha256!)
            : format == BulletinFormat.Html ? (System.Text.Encoding.UTF8.GetBytes(issued.Html), BulletinComposer.HtmlType, issued.HtmlSha256)
            : (System.Text.Encoding.UTF8.GetBytes(issued.Markdown), BulletinComposer.MarkdownType, issued.MarkdownSha256);
        if (caller.Role == Role.County)
        {
            await grain.RecordReceipt(number, RecipientOf(caller.County!), download ? ReceiptKind.Downloaded : ReceiptKind.Opened, sha, clock.GetUtcNow());
        }

        return new BulletinDocument(data, type, sha, issued.Number, number, issued.Withdrawn is not null, false, null,
            $"{issued.Number}.{(pdf ? "pdf" : format == BulletinFormat.Html ? "html" : "md")}");
    }

    private async Task IssueNextAsync(string tenant, int year, string? correctionReason)
    {
        var info = await composer.RoundAsync(tenant, year);
        var grain = Grain(tenant, year);
        var issue = await grain.Reserve(DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(ChinaStandardTime).DateTime));
        if (issue is null)
        {
            return; // in force: issued before (or meanwhile by a concurrent call)
        }

        var record = await grain.Get();
        var withdrawn = record.Current is { Withdrawn: { } w } c ? (Edition: c, Withdrawal: w) : default;
        var correction = withdrawn.Edition is null ? null
            : new BulletinCorrection(withdrawn.Edition.Number, withdrawn.Edition.Title, withdrawn.Edition.Issue.IssuedOn, correctionReason ?? withdrawn.Withdrawal.Reason);
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile() ?? throw new NotFoundException("租户不存在。");
        var number = BulletinInput.FormatNumber(profile.DocumentPrefix, issue.IssuedOn.Year, issue.Sequence);
        var input = await InputAsync(tenant, info, profile, number, issue.IssuedOn) with { Correction = correction };
        var html = renderer.RenderNotice(input, BulletinFormat.Html);
        var markdown = renderer.RenderNotice(input, BulletinFormat.Markdown);
        var now = clock.GetUtcNow();
        var title = correction is null ? NoticeInput.NoticeTitle(year) : $"关于更正《{correction.Title}》的通知";
        var stored = await grain.Store(new PublishedBulletin(issue, html.Content, html.Sha256, markdown.Content, markdown.Sha256, now, number, title,
            correction?.Number, correction?.Reason,
            Deliveries: info.Counties.Select(c => new BulletinDelivery(new BulletinRecipient(RecipientOf(c.Id), c.Name, c.Name, "", ""), now)).ToArray()));
        if (printer.Available)
        {
            try
            {
                var edition = (await grain.Get()).Editions.ToList().FindIndex(e => e.Issue == stored.Issue) + 1;
                await composer.PdfAsync(tenant, grain, edition);
            }
            catch (AssessmentException ex)
            {
                logger.LogWarning("PDF of {Number} not printed at issue ({Reason}); it will be printed on first download", stored.Number, ex.Message);
            }
        }
    }

    /// <summary>What the notice says: the tenant's issuer, the round's scheme (as the 细则 table) and deadlines.</summary>
    private async Task<NoticeInput> InputAsync(string tenant, RoundInfo info, TenantProfile profile, string number, DateOnly issuedOn)
    {
        var catalog = (await catalogs.ForYearAsync(tenant, info.Year, fresh: true)).Catalog;
        var text = await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, info.Year)).GetSchemeText()
            ?? throw new PreconditionException(Domain.Workflow.LockReasons.RoundNotOpen, $"{info.Year} 年度考核尚未定义。");
        var scheme = SchemeLoader.Load(text, "scheme", catalog);
        var rows = SchemeTable.Rows(scheme, catalog);
        var methods = scheme.Dimensions.SelectMany(d => d.Lines)
            .GroupBy(l => ScoringStandard.Chinese(l.Method ?? ScoringStandard.DefaultMethod(catalog[l.Indicator])), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var grades = scheme.Grades.Select((g, i) => i == scheme.Grades.Count - 1 ? $"{g.Label}（{F(scheme.Grades[Math.Max(0, i - 1)].Min)} 分以下）" : $"{g.Label}（{F(g.Min)} 分及以上）").ToArray();
        var settings = profile.Bulletin ?? BulletinProfile.Default;
        return new NoticeInput(profile.Issuer, number, profile.Recipients, info.Year, issuedOn, scheme.Name, info.Counties.Length,
            info.SubmissionDeadline, info.ReviewDeadline, scheme.Dimensions.Select(d => (d.Name, d.Weight)).ToArray(), rows, grades, methods,
            scheme.BonusInside ? 0 : scheme.BonusCap, scheme.Veto.Select(code => catalog[code].Name).ToArray(),
            new BulletinSettings { CopyTo = settings.CopyTo, Printer = settings.Printer, Public = settings.Public });
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
