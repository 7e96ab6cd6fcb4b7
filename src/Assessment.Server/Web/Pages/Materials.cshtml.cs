using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;
using Assessment.Server.Evidence;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// 查阅资料: a county's lines with their figures and 佐证材料, and the 考核组's finding on each — 材料齐全, 材料不全 or
/// 不予认可 with a reason. 不予认可 goes on to the county page's 核查调整, pre-filled for that line; the county reads the
/// findings. The 实地核查 package of all the county's files is one link away.
/// </summary>
public sealed class MaterialsModel(CountyDesk counties, EvidenceDesk evidence) : WorkbenchPage
{
    /// <summary>One line of the page: an indicator with its county figure (if any), its files and its finding.</summary>
    public sealed record Line(Indicator Indicator, double? Value, IReadOnlyList<EvidenceRow> Files, MaterialsReview? Review);

    [FromRoute]
    public int Year { get; set; }

    [FromRoute(Name = "county")]
    public string CountyId { get; set; } = "";

    public CountyDetail Detail { get; private set; } = null!;

    public IReadOnlyList<Line> Lines { get; private set; } = [];

    public Guid RequestId { get; } = Guid.NewGuid();

    /// <summary>An assessor who may act on the county now (in review).</summary>
    public bool MayReview => Caller.Role == Role.Assessor && Detail.May.MayAdjust;

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.TenantAdmin or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        Detail = await counties.GetAsync(Caller, Year, CountyId);
        var reviews = await counties.MaterialsAsync(Caller, Year, Detail.County.Id);
        var files = await evidence.ListAllAsync(Caller, Year, Detail.County.Id, HttpContext.RequestAborted);

        var byIndicator = files.ToLookup(f => f.Indicator, StringComparer.Ordinal);
        var values = Detail.Aggregate.Values;
        Lines = Detail.Catalog.Active
            .Where(i => !i.IsComputedRate && (values.ContainsKey(i.Code) || byIndicator.Contains(i.Code) || reviews.ContainsKey(i.Code)))
            .Select(i => new Line(i, values.TryGetValue(i.Code, out var v) ? v : null, byIndicator[i.Code].ToList(), reviews.GetValueOrDefault(i.Code)))
            .ToArray();
        return Page();
    }

    public async Task<IActionResult> OnPostReviewAsync(string? indicator, string? finding, string? reason, int version, Guid requestId)
    {
        var value = finding switch
        {
            "complete" => MaterialsFinding.Complete,
            "incomplete" => MaterialsFinding.Incomplete,
            "rejected" => MaterialsFinding.Rejected,
            _ => (MaterialsFinding?)null,
        };
        var back = $"/{Year}/counties/{Uri.EscapeDataString(CountyId)}/materials";
        try
        {
            if (value is null || string.IsNullOrEmpty(indicator))
            {
                throw new ValidationFailedException([new FieldError("finding", "请选择查阅结论")]);
            }

            await counties.ReviewMaterialsAsync(Caller, Year, CountyId, indicator, value.Value, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), version, requestId);
            if (value == MaterialsFinding.Rejected)
            {
                // 不予认可 usually costs points: the county page's 核查调整, pre-filled with the line and the reason.
                Notice = "已记为“不予认可”。如需扣分，请在下方“核查调整”中填写分值后记入。";
                return Redirect($"/{Year}/counties/{Uri.EscapeDataString(CountyId)}?adjust={Uri.EscapeDataString(indicator)}&adjustReason={Uri.EscapeDataString($"查阅资料不予认可：{reason}")}#review-title");
            }

            Notice = $"已记为“{Grains.Grains.CountyGrain.Finding(value.Value)}”。";
        }
        catch (AbortedException)
        {
            Problem = "已被他人修改，请刷新后再记录。本次未记录。";
        }
        catch (ValidationFailedException ex)
        {
            Problem = "未能记录：" + string.Join("；", ex.Violations.Select(v => v.Description));
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Problem = "未能记录：" + Describe(ex);
        }

        return Redirect(back + "#l-" + (indicator ?? "").Replace('.', '-'));
    }

    public static string Finding(MaterialsFinding finding) => Grains.Grains.CountyGrain.Finding(finding);
}
