using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The 细则 editor: the scheme as a form — 一级指标 with their 分值, 二级指标, 三级指标 with rule, parameters, 评分标准 and
/// 考核方式, deductions, bonus, veto, grades and quota. Saving checks it with the loader against the year's catalog and
/// stores a new draft version, or shows every message on the field it concerns; a saved draft is tried against the
/// year's figures beside the pinned scheme and pinned to the year by the same rules as the API.
/// </summary>
[RequestSizeLimit(4 * 1024 * 1024)]
[RequestFormLimits(ValueCountLimit = SchemeForm.MaxFields + 64, ValueLengthLimit = 16 * 1024, KeyLengthLimit = 200)]
public sealed class SchemeEditModel(SchemeDraftDesk desk, RoundDesk rounds, Grains.RoundCatalogs catalogs) : WorkbenchPage
{
    /// <summary>Fields of the page itself, not of the 细则.</summary>
    private static readonly HashSet<string> PageFields = ["basis", "expected", "note"];

    [FromRoute]
    public int Year { get; set; }

    public SchemeForm Form { get; private set; } = null!;

    public SchemeBasis Basis { get; private set; } = null!;

    public IndicatorCatalog Catalog { get; private set; } = null!;

    public SchemeDraftSummary[] Drafts { get; private set; } = [];

    public RoundInfo? Info { get; private set; }

    /// <summary>The problems of the last save, by field (null: the 细则 as a whole).</summary>
    public ILookup<string, string> FieldProblems { get; private set; } = Array.Empty<FormProblem>().ToLookup(p => p.Field!, p => p.Message);

    public IReadOnlyList<string> GeneralProblems { get; private set; } = [];

    public RankingResult? Current { get; private set; }

    public SimulationResult? Trial { get; private set; }

    public string? Refusal { get; private set; }

    /// <summary>The newest draft when the form was opened: a save refused for problems keeps it, so a stale form stays stale.</summary>
    public int? Expected { get; private set; }

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync(string? basis)
    {
        await LoadAsync(basis);
        Form = SchemeForm.Of(Basis.Scheme);
        await TryAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string basis, int expected, string? note)
    {
        var token = HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>>().Value.FormFieldName;
        var posted = Request.Form.Where(f => !PageFields.Contains(f.Key) && f.Key != token).Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString()));
        Form = SchemeForm.Parse(posted, out var formProblems);
        if (formProblems.FirstOrDefault(p => p.Field is null) is { } outside)
        {
            // Outside the form's grammar or limits: not a form this page made; nothing is read of it.
            Refusal = "未保存：" + outside.Message;
            await LoadAsync(basis);
            Form = SchemeForm.Of(Basis.Scheme);
            return Page();
        }

        Expected = expected;
        if (formProblems.Count > 0)
        {
            // A value past its length is not dropped quietly: nothing is saved until it is shortened.
            Show(formProblems);
            await LoadAsync(basis);
            return Page();
        }

        try
        {
            var saved = await desk.SaveAsync(Caller, Year, Form, basis, expected, note);
            if (saved.Draft is { } draft)
            {
                Notice = $"已保存为草稿第 {draft.Number} 版（{draft.SchemeId}）。右侧为用本年度数据的试算；核对无误后可固定到本年度。";
                return Redirect($"/{Year}/scheme/edit?basis=draft:{draft.Number}#trial");
            }

            Show([.. formProblems, .. saved.Problems]);
        }
        catch (AssessmentException ex) when (ex is ConflictException or ValidationFailedException)
        {
            Refusal = "未保存：" + Describe(ex);
        }

        await LoadAsync(basis);
        return Page();
    }

    public async Task<IActionResult> OnPostPinAsync(int draft, string? reason)
    {
        try
        {
            var info = await desk.PinAsync(Caller, Year, draft, reason);
            Notice = $"已将草稿第 {draft} 版固定为 {Year} 年度的评分细则（{info.SchemeId}）。";
            return Redirect($"/{Year}/scheme");
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能固定：" + Describe(ex);
        }

        await LoadAsync($"draft:{draft}");
        Form = SchemeForm.Of(Basis.Scheme);
        await TryAsync();
        return Page();
    }

    private void Show(IEnumerable<FormProblem> problems)
    {
        var list = problems.ToList();
        FieldProblems = list.Where(p => p.Field is not null).ToLookup(p => p.Field!, p => p.Message);
        GeneralProblems = list.Where(p => p.Field is null).Select(p => p.Message).Distinct().ToArray();
        Refusal = $"未保存：细则有 {list.Count} 处问题，已在相应位置标出。";
    }

    private async Task LoadAsync(string? basis)
    {
        Basis = await desk.BasisAsync(Caller, Year, basis);
        Drafts = await desk.ListAsync(Caller, Year);
        Info = await rounds.Round(Caller, Year).GetInfo();
        Catalog = (await catalogs.ForYearAsync(Caller.Tenant, Year, fresh: true)).Catalog;
    }

    /// <summary>A saved draft is tried beside the pinned scheme on the year's figures (once the year has them).</summary>
    private async Task TryAsync()
    {
        if (Basis.Draft is not { } draft || Info is null || Info.Phase == Domain.Workflow.RoundPhase.Draft)
        {
            return;
        }

        try
        {
            Current = await rounds.RankingAsync(Caller, Year);
            Trial = await rounds.SimulateAsync(Caller, Year, draft.Yaml);
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能试算：" + Describe(ex);
        }
    }

    /// <summary>The id of a field's input (letters, digits and dashes).</summary>
    public static string Id(string field) => "f-" + new string(field.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
}
