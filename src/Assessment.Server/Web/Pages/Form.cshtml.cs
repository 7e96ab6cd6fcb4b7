using System.Globalization;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// A unit's data-entry form for its year (a county key: the county's own figures), generated from the pinned scheme and
/// the catalog like the Excel form. Saving is a submission through <see cref="SubmissionDesk"/> with the submission id
/// the page was rendered with, so a double click stores one version; 预览 is the API's dry run.
/// </summary>
[RequestSizeLimit(ReportGrpcService.MaxMessageBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = ReportGrpcService.MaxMessageBytes)]
public sealed partial class FormModel(FillInForms forms, SubmissionDesk submissions, CountyDesk counties, Grains.RoundCatalogs catalogs,
    ReportFiles files, Domain.Extraction.ReportExtractor extractor) : WorkbenchPage
{
    /// <summary>A figure proposed from the uploaded report, with its evidence split around the figure for highlighting.</summary>
    public sealed record Proposed(string Code, double Value, string Before, string Figure, string After, int? Page, bool Suggestion);

    /// <summary>Proposals from an uploaded report, by indicator (pre-filled unless a suggestion; each must be checked).</summary>
    public Dictionary<string, Proposed> Proposals { get; } = new(StringComparer.Ordinal);

    /// <summary>The uploaded report's name and what the extractor warned about.</summary>
    public string? ReportName { get; private set; }

    public IReadOnlyList<string> ReportWarnings { get; private set; } = [];

    [FromRoute]
    public int Year { get; set; }

    public Form Form { get; private set; } = null!;

    public UnitSnapshot Snapshot { get; private set; } = null!;

    public CountyWorkflowView? Workflow { get; private set; }

    /// <summary>The year's catalog (the round's pinned tenant catalog).</summary>
    public IndicatorCatalog Catalog { get; private set; } = IndicatorCatalog.Default;

    /// <summary>The id this rendering's save will carry (a new one after each stored save).</summary>
    public Guid SubmissionId { get; private set; } = Guid.NewGuid();

    /// <summary>What the user typed, kept when a save is refused or previewed.</summary>
    public Dictionary<string, string> Entered { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Notes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public SubmissionReceipt? Preview { get; private set; }

    /// <summary>What saving would change, value by value: name, the stored value and the value entered (as the CLI's dry run shows).</summary>
    public IReadOnlyList<(string Name, string Before, string After)> PreviewChanges { get; private set; } = [];

    /// <summary>Why this save was refused, shown on the re-rendered form (not carried to the next page).</summary>
    public string? Refusal { get; private set; }

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync();
        ShowCurrent();
        return Page();
    }

    /// <summary>The stored values and notes in the fields.</summary>
    private void ShowCurrent()
    {
        foreach (var row in Form.Rows)
        {
            if (row.HasCurrent)
            {
                Entered[row.Code] = Show(row.Current);
            }
        }

        foreach (var value in Snapshot.Values.Where(v => v.Note is not null))
        {
            Notes[value.Code] = value.Note!;
        }
    }

    public async Task<IActionResult> OnPostAsync(Guid submissionId, string? formId, bool preview)
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync();
        SubmissionId = submissionId == Guid.Empty ? Guid.NewGuid() : submissionId;
        var values = new List<ValueEntry>();
        foreach (var row in Form.Rows)
        {
            var text = Request.Form[$"v.{row.Code}"].ToString().Trim();
            var note = Request.Form[$"n.{row.Code}"].ToString().Trim();
            Entered[row.Code] = text;
            Notes[row.Code] = note;
            if (Request.Form.ContainsKey($"p.{row.Code}") && Request.Form[$"ok.{row.Code}"] != "true")
            {
                // A figure taken from a report is stored only once the person has checked it.
                Errors[row.Code] = "此数值取自年度报告，请核对后勾选“已核对”";
                Proposals[row.Code] = new Proposed(row.Code, 0, "", Request.Form[$"p.{row.Code}"].ToString(), "", null, false);
                continue;
            }
            if (text.Length == 0 && !row.HasCurrent && note.Length == 0)
            {
                continue; // never filled and still empty: nothing to say about it
            }

            double? value = null;
            if (text.Length > 0)
            {
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
                {
                    Errors[row.Code] = "须为数字";
                    continue;
                }

                value = parsed;
            }

            values.Add(new ValueEntry(row.Code, value, note.Length == 0 ? null : note));
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        try
        {
            var receipt = await submissions.SubmitAsync(Caller, Year, SubmissionId, values.ToArray(), preview, formId);
            if (preview)
            {
                Preview = receipt;
                PreviewChanges = Changes(receipt, values);
                foreach (var outcome in receipt.Outcomes.Where(o => o.Outcome == Grains.Abstractions.ValueOutcome.Rejected))
                {
                    Errors[outcome.Code] = outcome.Reason ?? "不予接受";
                }

                return Page();
            }

            Notice = receipt.Replayed
                ? $"该次保存已记录（第 {receipt.Version} 版），未重复保存。"
                : $"已保存为第 {receipt.Version} 版：新增 {receipt.Accepted} 项，修改 {receipt.Updated} 项，清空 {receipt.Cleared} 项，未变 {receipt.Unchanged} 项。";
            return Redirect($"/{Year}/form");
        }
        catch (ValidationFailedException invalid)
        {
            foreach (var violation in invalid.Violations)
            {
                if (ValueIndex().Match(violation.Field) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is var i && i < values.Count)
                {
                    Errors.TryAdd(values[i].Code, violation.Description);
                }
                else
                {
                    Refusal = "未能保存：" + violation.Description;
                }
            }

            Refusal ??= "未能保存：请按提示更正标红的数据项，本次未保存任何数据。";
            return Page();
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能保存：" + Describe(ex);
            return Page();
        }
    }

    /// <summary>
    /// Reads an uploaded annual report (text, PDF, Word, web page) in the server's report reader (a child process with
    /// limits) and proposes figures for this form's rows; nothing is stored until the person checks and saves.
    /// </summary>
    public async Task<IActionResult> OnPostReportAsync(IFormFile? report)
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync();
        ShowCurrent();
        try
        {
            if (report is null || report.Length == 0 || report.Length > ReportGrpcService.MaxMessageBytes - 4096)
            {
                throw new ValidationFailedException([new FieldError("report", "请选择年度报告文件（PDF、Word、网页或文本，至多 20 MB）")]);
            }

            using var buffer = new MemoryStream((int)report.Length);
            await report.CopyToAsync(buffer, HttpContext.RequestAborted);
            var text = await files.ReadAsync(buffer.ToArray(), Path.GetFileName(report.FileName), HttpContext.RequestAborted);
            var result = extractor.Extract(text.Text, tenant: Catalog);
            var rows = Form.Rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
            foreach (var proposal in result.Proposals.Where(p => rows.Contains(p.Code)))
            {
                var figure = Show(proposal.Value);
                var at = proposal.Evidence.IndexOf(figure, StringComparison.Ordinal);
                Proposals[proposal.Code] = at < 0
                    ? new Proposed(proposal.Code, proposal.Value, proposal.Evidence, "", "", text.Format == "pdf" ? text.PageOf(proposal.Start) : null, proposal.Suggestion)
                    : new Proposed(proposal.Code, proposal.Value, proposal.Evidence[..at], figure, proposal.Evidence[(at + figure.Length)..],
                        text.Format == "pdf" ? text.PageOf(proposal.Start) : null, proposal.Suggestion);
                if (!proposal.Suggestion)
                {
                    Entered[proposal.Code] = figure;
                }
            }

            ReportName = Path.GetFileName(report.FileName);
            ReportWarnings = result.Warnings;
            Notice = null;
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Refusal = "未能读取报告：" + Describe(ex);
        }

        return Page();
    }

    /// <summary>
    /// The rates the platform computes from parts this form asks for, in the 一级指标 named: shown read-only with
    /// their value, never as inputs (a rate is not submitted).
    /// </summary>
    public IEnumerable<Domain.Catalog.Indicator> ComputedRates(string dimensionName)
    {
        var parts = Form.Rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        return Catalog.Active.Where(i => i.IsComputedRate && parts.Contains(i.Numerator!) && parts.Contains(i.Denominator!)
            && Catalog.Dimension(i.Dimension).Name == dimensionName);
    }

    private List<(string Name, string Before, string After)> Changes(SubmissionReceipt receipt, List<ValueEntry> entered)
    {
        var stored = Snapshot.Values.Where(v => v.Value.HasValue).ToDictionary(v => v.Code, v => v.Value!.Value, StringComparer.Ordinal);
        var sent = entered.ToDictionary(v => v.Code, v => v.Value, StringComparer.Ordinal);
        var rows = Form.Rows.ToDictionary(r => r.Code, StringComparer.Ordinal);
        string Text(string code, double? value) => value is not { } v ? "未填报"
            : rows.TryGetValue(code, out var row) && row.Kind == "flag" ? (v == 1 ? "是" : "否")
            : Show(v) + (rows.TryGetValue(code, out var r) && r.Measure.Length > 0 ? r.Measure : "");
        return receipt.Outcomes
            .Where(o => o.Outcome is Grains.Abstractions.ValueOutcome.Accepted or Grains.Abstractions.ValueOutcome.Updated or Grains.Abstractions.ValueOutcome.Cleared)
            .Select(o => (rows.TryGetValue(o.Code, out var row) ? row.Name : o.Code,
                Text(o.Code, stored.TryGetValue(o.Code, out var before) ? before : null),
                Text(o.Code, sent.GetValueOrDefault(o.Code))))
            .ToList();
    }

    /// <summary>A computed rate's value from the parts on the page ("95.83%"), or null while a part is missing or zero.</summary>
    public string? ComputedRate(string code)
    {
        if (!Catalog.TryGet(code, out var indicator) || !indicator.IsComputedRate)
        {
            return null;
        }

        return Number(indicator.Numerator!) is { } n && Number(indicator.Denominator!) is { } d && d > 0
            ? (100 * n / d).ToString("0.##", CultureInfo.InvariantCulture) + "%"
            : null;
    }

    /// <summary>The name of one part of a computed rate.</summary>
    public string PartName(string code) => Catalog[code].Name;

    public static string Show(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private double? Number(string code) =>
        Entered.TryGetValue(code, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private async Task LoadAsync()
    {
        Catalog = (await catalogs.ForYearAsync(Caller.Tenant, Year)).Catalog;
        Form = await forms.BuildAsync(Caller.Tenant, Caller.County!, FillInForms.OwnUnit(Caller), Year);
        Snapshot = await submissions.GetSnapshotAsync(Caller, Year);
        try
        {
            Workflow = await counties.OwnWorkflowAsync(Caller, Year);
        }
        catch (PreconditionException)
        {
            Workflow = null; // no round this year: the page says so
        }
    }

    [GeneratedRegex(@"^values\[(\d{1,4})\]")]
    private static partial Regex ValueIndex();
}
