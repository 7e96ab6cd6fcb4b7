using System.Globalization;
using Assessment.Domain.Catalog;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// A county's page: totals and rank, every score line with its explanation, the units' figures and versions, data
/// warnings, adjustments and the audit trail; and the review actions its reader may take. Every action carries the
/// version the reader saw and a request id, so a stale page is refused ("已被他人修改") and a double click acts once.
/// </summary>
public sealed class CountyModel(CountyDesk counties, NoticeDesk notices, TimeProvider clock) : WorkbenchPage
{
    /// <summary>How many audit entries the page shows (newest first); the CLI and API page through all of them.</summary>
    public const int AuditShown = 50;

    [FromRoute]
    public int Year { get; set; }

    [FromRoute(Name = "county")]
    public string CountyId { get; set; } = "";

    public CountyDetail Detail { get; private set; } = null!;

    public IReadOnlyList<AuditEvent> Audit { get; private set; } = [];

    public int AuditCount { get; private set; }

    /// <summary>The year's catalog (the round's pinned tenant catalog).</summary>
    public IndicatorCatalog Catalog => Detail.Catalog;

    /// <summary>A fresh request id for each form on this rendering of the page.</summary>
    public Guid RequestId { get; } = Guid.NewGuid();

    public DateTimeOffset Now { get; private set; }

    protected override int? PageYear => Year;

    /// <summary>A 核查调整 to pre-fill (from 查阅资料's 不予认可): the line and the reason.</summary>
    [FromQuery(Name = "adjust")]
    public string? AdjustTarget { get; set; }

    [FromQuery(Name = "adjustReason")]
    public string? AdjustReason { get; set; }

    /// <summary>
    /// The 核查调整 target to pre-select: the line itself when the scheme scores it, else its 一级指标 as a whole (an
    /// indicator the scheme does not score directly still counts within its dimension).
    /// </summary>
    public string? PrefillTarget =>
        AdjustTarget is not { } target ? null
        : Detail.Score.Card.Dimensions.Any(d => d.Lines.Any(l => l.Indicator == target)) ? target
        : Catalog.TryGet(target, out var indicator) && Detail.Score.Card.Dimensions.Any(d => d.Code == indicator.Dimension) ? indicator.Dimension
        : null;

    /// <summary>The 查阅资料 findings a 退回 would cite (材料不全, 不予认可), as the return reason's first draft.</summary>
    public string ReturnDraft { get; private set; } = "";

    /// <summary>How many lines 查阅资料 has marked.</summary>
    public int MaterialsReviewed { get; private set; }

    /// <summary>The year's 考核通知 sent to this county (shown to the county itself, whose reading is recorded).</summary>
    public Grains.Abstractions.PublishedBulletin? YearNotice { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        Detail = await counties.GetAsync(Caller, Year, CountyId);
        var head = Detail.Workflow.AuditHead.Count;
        var page = await counties.ReadAuditAsync(Caller, Year, Detail.County.Id, Math.Max(0, head - AuditShown), AuditShown);
        Audit = page.Entries.Reverse().Select(e => AuditChain.Parse(e.Body)).ToArray();
        AuditCount = page.Head.Count;
        YearNotice = Caller.Role == Role.County ? await notices.InForceAsync(Caller, Year) : null;
        if (Caller.Role is Role.Assessor or Role.TenantAdmin or Role.County)
        {
            var reviews = await counties.MaterialsAsync(Caller, Year, Detail.County.Id);
            MaterialsReviewed = reviews.Count;
            ReturnDraft = string.Join("；", reviews.Where(r => r.Value.Finding != MaterialsFinding.Complete)
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => $"{Grains.Grains.CountyGrain.Finding(r.Value.Finding)}：{(Catalog.TryGet(r.Key, out var i) ? i.Name : r.Key)}（{r.Value.Reason}）"));
            if (ReturnDraft.Length > 480)
            {
                ReturnDraft = ReturnDraft[..480] + "…";
            }
        }

        AdjustReason = AdjustReason is { Length: > 500 } long_ ? long_[..500] : AdjustReason;
        Now = clock.GetUtcNow();
        return Page();
    }

    public Task<IActionResult> OnPostSubmitAsync(int version, Guid requestId, bool confirmed) => ActAsync("已上报，等待市级审核。", version, () =>
        confirmed
            ? counties.SubmitForReviewAsync(Caller, Year, CountyId, null, version, requestId)
            : throw new ValidationFailedException([new FieldError("confirmed", "请勾选“确认上报”后再提交")]));

    public async Task<IActionResult> OnPostRemindAsync()
    {
        try
        {
            var (units, posted, repeated) = await counties.RemindUnitsAsync(Caller, Year, CountyId, HttpContext.RequestAborted);
            Notice = units.Count == 0 ? "各单位均已报齐，无需催报。"
                : repeated ? $"{CountyDesk.ReminderInterval.TotalMinutes:0} 分钟内已催报过，未重复发送。尚未报齐：{string.Join("、", units)}。"
                : posted ? $"已催报 {units.Count} 家单位：{string.Join("、", units)}。"
                : $"本市（州）未配置消息推送，请电话催报：{string.Join("、", units)}。";
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Problem = "未能催报：" + Describe(ex);
        }

        return Redirect($"/{Year}/counties/{Uri.EscapeDataString(CountyId)}");
    }

    public Task<IActionResult> OnPostReturnAsync(int version, Guid requestId, string? reason) => ActAsync("已退回，县（区）将看到退回原因。", version, () =>
        counties.ReturnAsync(Caller, Year, CountyId, reason ?? "", version, requestId));

    public Task<IActionResult> OnPostApproveAsync(int version, Guid requestId, string? reason) => ActAsync("已审核通过。", version, () =>
        counties.ApproveAsync(Caller, Year, CountyId, string.IsNullOrWhiteSpace(reason) ? null : reason, version, requestId));

    public Task<IActionResult> OnPostAdjustAsync(int version, Guid requestId, string? target, string? points, string? reason, string? evidence) =>
        ActAsync("核查调整已记入得分。", version, () =>
        {
            if (!double.TryParse(points, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new ValidationFailedException([new FieldError("points", "须为分值，如 -1 或 0.5")]);
            }

            return counties.AdjustAsync(Caller, Year, CountyId, null, target ?? "", value, string.IsNullOrWhiteSpace(evidence) ? null : evidence,
                false, reason, version, requestId);
        });

    public Task<IActionResult> OnPostExtendAsync(int version, Guid requestId, string? until, string? reason) => ActAsync("已延期。", version, () =>
    {
        var at = Beijing.Parse(until, "until") ?? throw new ValidationFailedException([new FieldError("until", "须设置延期截止时间（北京时间）")]);
        return counties.ExtendAsync(Caller, Year, CountyId, at, reason ?? "", version, requestId);
    });

    /// <summary>
    /// Runs an action and comes back to the page (post/redirect/get). A refusal is said on the page in the API's words;
    /// a stale version says what changed since the reader loaded the page.
    /// </summary>
    private async Task<IActionResult> ActAsync(string done, int version, Func<Task<(CountyWorkflowView View, CountyInfo County)>> action)
    {
        try
        {
            await action();
            Notice = done;
        }
        catch (AbortedException stale)
        {
            var now = await counties.GetAsync(Caller, Year, CountyId);
            Detail = now; // the words of the changes name indicators by the year's catalog
            Problem = $"已被他人修改，请刷新：您打开页面时为第 {version} 版，现为第 {stale.Actual} 版（{WorkbenchText.Status(now.Workflow.Status)}）。本次操作未执行。"
                + await ChangedSinceAsync(now);
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Problem = "未能办理：" + Describe(ex);
        }

        return Redirect($"/{Year}/counties/{Uri.EscapeDataString(CountyId)}");
    }

    /// <summary>What was recorded since the reader loaded the page (the audit entries after the count it saw), in words.</summary>
    private async Task<string> ChangedSinceAsync(CountyDetail now)
    {
        var seen = int.TryParse(Request.Form["seen"], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : now.Workflow.AuditHead.Count;
        var from = Math.Clamp(seen, Math.Max(0, now.Workflow.AuditHead.Count - 5), now.Workflow.AuditHead.Count);
        var page = await counties.ReadAuditAsync(Caller, Year, now.County.Id, from, 5);
        var changes = page.Entries.Select(e => AuditChain.Parse(e.Body))
            .Select(e => $"{Beijing.Time(e.At)} {AuditWords.Actor(e.Actor)} {ActionName(e.Action)}{(Change(e) is { Length: > 0 } c ? "（" + c + "）" : "")}{(e.Reason is { Length: > 0 } r ? "：" + r : "")}")
            .ToArray();
        return changes.Length == 0 ? "" : " 期间的变化：" + string.Join("；", changes) + "。";
    }

    /// <summary>The units of the roster with their progress (units that never submitted show version 0).</summary>
    public IEnumerable<(string Name, UnitProgress Progress)> Units()
    {
        var names = Detail.County.Units.ToDictionary(u => u.Id, u => u.Name, StringComparer.Ordinal);
        foreach (var unit in Detail.Workflow.Progress.Units)
        {
            var name = unit.Unit switch
            {
                GrainKeys.CountySelf => "县（区）本级",
                GrainKeys.AssessorEntry => "市级考核办录入",
                _ => names.GetValueOrDefault(unit.Unit, unit.Unit),
            };
            yield return (name, unit);
        }
    }

    /// <summary>What an adjustment applies to, by name: an indicator or an assessment content (dimension).</summary>
    public string TargetName(string target) =>
        Catalog.TryGet(target, out var indicator) ? indicator.Name
        : Detail.Score.Card.Dimensions.FirstOrDefault(d => d.Code == target)?.Name ?? target;

    public static string ActionName(string action) => AuditWords.Action(action);

    /// <summary>Before → after of an audit entry: statuses in Chinese, values by indicator name.</summary>
    public string Change(AuditEvent e) =>
        e.Before is null && e.After is null ? "" : $"{AuditWords.Value(e.Before, Catalog)} → {AuditWords.Value(e.After, Catalog)}";
}
