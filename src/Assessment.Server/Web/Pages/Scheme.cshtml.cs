using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The year's scheme (评分细则): the assessor defines the round from an uploaded scheme file (or the default), and
/// assessors and tenant admins try a draft scheme against the round's figures — the two rankings side by side and
/// the counties whose grade would change. Nothing is changed by a trial.
/// </summary>
[RequestSizeLimit(RequestChecks.MaxSchemeBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = RequestChecks.MaxSchemeBytes + 32 * 1024)]
public sealed class SchemeModel(RoundDesk rounds, Grains.RoundCatalogs catalogs) : WorkbenchPage
{
    [FromRoute]
    public int Year { get; set; }

    public RoundInfo? Info { get; private set; }

    public RankingResult? Current { get; private set; }

    public SimulationResult? Trial { get; private set; }

    public string? TrialName { get; private set; }

    /// <summary>Why the last upload was refused, on the re-rendered page.</summary>
    public string? Refusal { get; private set; }

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDefineAsync(IFormFile? scheme, string? deadline, string? reviewDeadline)
    {
        try
        {
            var yaml = scheme is null || scheme.Length == 0 ? null : await Uploads.ReadSchemeAsync(scheme, "scheme", "评分细则文件", YearCatalogAsync);
            var until = Beijing.Parse(deadline, "deadline") ?? throw new ValidationFailedException([new FieldError("deadline", "须设置填报截止时间（北京时间）")]);
            var info = await rounds.DefineAsync(Caller, Year, yaml, until, Beijing.Parse(reviewDeadline, "reviewDeadline"));
            HttpContext.RequestServices.GetRequiredService<RoundYears>().Forget(Caller.Tenant);
            Notice = $"已定义 {Year} 年度考核（评分细则：{info.SchemeName}），请核对后开启填报。";
            return Redirect($"/{Year}");
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能定义：" + Describe(ex);
            await LoadAsync();
            return Page();
        }
    }

    public async Task<IActionResult> OnPostTryAsync(IFormFile? scheme)
    {
        await LoadAsync();
        try
        {
            Trial = await rounds.SimulateAsync(Caller, Year, await Uploads.ReadSchemeAsync(scheme, "scheme", "要试算的评分细则文件", YearCatalogAsync));
            TrialName = scheme!.FileName;
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能试算：" + Describe(ex);
        }

        return Page();
    }

    /// <summary>The pinned 细则 as the workbook prefectures publish (一级指标 … 评分标准、考核方式), to edit and upload again.</summary>
    public async Task<IActionResult> OnGetWorkbookAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var text = await rounds.Round(Caller, Year).GetSchemeText();
        if (text is null)
        {
            return NotFound();
        }

        var catalog = await YearCatalogAsync();
        var scheme = Domain.Scoring.SchemeLoader.Load(text, "scheme", catalog);
        using var output = new MemoryStream();
        Workbooks.SchemeWorkbook.Write(scheme, catalog, output);
        return File(output.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{Year}年度评分细则-{scheme.Id}.xlsx");
    }

    private async Task<Domain.Catalog.IndicatorCatalog> YearCatalogAsync() => (await catalogs.ForYearAsync(Caller.Tenant, Year, fresh: true)).Catalog;

    private async Task LoadAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }

        Info = await rounds.Round(Caller, Year).GetInfo();
        Current = Info is null || Info.Phase == Domain.Workflow.RoundPhase.Draft ? null : await rounds.RankingAsync(Caller, Year);
    }
}
