using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// 考核组评分表: the items the 考核组 scores (the pinned 细则's lines on scores entered by assessors), all counties side by
/// side, a page of <see cref="PageSize"/> at a time. Each changed row is one assessor entry of that county — the same
/// reason rule, version check (the county's version as the page showed it), request id and audit entry as entering
/// the value on the county's own page; a row refused says why and the other rows are stored.
/// </summary>
public sealed class PanelModel(RoundDesk rounds, CountyDesk counties, IClusterClient cluster, Grains.RoundCatalogs catalogs) : WorkbenchPage
{
    /// <summary>Counties per page (2,850 counties are 57 pages).</summary>
    public const int PageSize = 50;

    /// <summary>A line of the 细则 the 考核组 scores.</summary>
    public sealed record PanelLine(string Code, string Name, double Max, double Points, string Standard, bool Review);

    /// <summary>One county's row: its current score, the version the page saw, and what became of a save.</summary>
    public sealed record PanelRow(string County, string Name, double? Score, int Version, string Status, string? Result, bool Failed, PanelMark? Mark = null);

    [FromRoute]
    public int Year { get; set; }

    [FromQuery(Name = "line")]
    public string? Code { get; set; }

    [FromQuery(Name = "page")]
    public int PageNumber { get; set; } = 1;

    public IReadOnlyList<PanelLine> Lines { get; private set; } = [];

    public PanelLine? Line { get; private set; }

    public IReadOnlyList<PanelRow> Rows { get; private set; } = [];

    public int Pages { get; private set; } = 1;

    public int Counties { get; private set; }

    /// <summary>What the last save did, on this rendering only (not carried to the next page).</summary>
    public string? Outcome { get; private set; }

    public bool OutcomeFailed { get; private set; }

    /// <summary>A fresh request id for this rendering's form: a double click stores each row once.</summary>
    public Guid RequestId { get; } = Guid.NewGuid();

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.Member))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync(new Dictionary<string, (string, bool)>());
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid requestId)
    {
        if (Caller.Role is not (Role.Assessor or Role.Member))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync(new Dictionary<string, (string, bool)>());
        if (Line is null)
        {
            return Page();
        }

        var results = new Dictionary<string, (string Text, bool Failed)>(StringComparer.Ordinal);
        foreach (var row in Rows)
        {
            var text = Request.Form[$"s.{row.County}"].ToString().Trim();
            var reason = Request.Form[$"r.{row.County}"].ToString().Trim();
            if (text.Length == 0)
            {
                if (Line.Review && Request.Form[$"c.{row.County}"] == "true")
                {
                    results[row.County] = await ReviewAsync(requestId, row);
                }

                continue;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
            {
                results[row.County] = ("评分须为数字", true);
                continue;
            }

            if (row.Score == score)
            {
                continue; // unchanged
            }

            var version = int.TryParse(Request.Form[$"v.{row.County}"], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : row.Version;
            var id = RowId(requestId, row.County, Line.Code);
            try
            {
                await counties.EnterAssessorValuesAsync(Caller, Year, row.County, id, [new ValueEntry(Line.Code, score, null)],
                    reason.Length == 0 ? null : reason, version, id);
                results[row.County] = ("已保存", false);
            }
            catch (AbortedException)
            {
                results[row.County] = ("该县（区）的数据已被他人修改，本行未保存；请刷新后重评", true);
            }
            catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
            {
                results[row.County] = (Describe(ex), true);
            }
        }

        await LoadAsync(results);
        var failed = results.Count(r => r.Value.Failed);
        OutcomeFailed = failed > 0;
        Outcome = results.Count == 0 ? "没有变化，未保存任何评分。"
            : failed == 0 ? $"已保存 {results.Count} 个县（区）的{(results.Values.All(r => r.Text == "已复核") ? "复核" : "评分")}。"
            : $"{results.Count - failed} 个县（区）已保存，{failed} 个未保存（见各行说明）。";

        return Page();
    }

    /// <summary>复核 of one row: the score as the page showed it, confirmed by this member (not its 评分人).</summary>
    private async Task<(string, bool)> ReviewAsync(Guid requestId, PanelRow row)
    {
        if (!double.TryParse(Request.Form[$"k.{row.County}"], NumberStyles.Float, CultureInfo.InvariantCulture, out var seen))
        {
            return ("该县（区）尚未评分，无需复核", true);
        }

        var version = int.TryParse(Request.Form[$"v.{row.County}"], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : row.Version;
        try
        {
            await counties.ReviewScoreAsync(Caller, Year, row.County, Line!.Code, seen, version, RowId(requestId, row.County, "review:" + Line.Code));
            return ("已复核", false);
        }
        catch (AbortedException)
        {
            return ("该县（区）的数据已被他人修改，本行未复核；请刷新后重新复核", true);
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            return (Describe(ex), true);
        }
    }

    /// <summary>The submission id of one row of one rendering: a resent form stores nothing twice.</summary>
    private static Guid RowId(Guid requestId, string county, string code) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{requestId:D}|{county}|{code}")).AsSpan(0, 16));

    private async Task LoadAsync(IReadOnlyDictionary<string, (string Text, bool Failed)> results)
    {
        var (info, board, _) = await rounds.BoardAsync(Caller, Year);
        var text = await rounds.Round(Caller, Year).GetSchemeText();
        // Fresh: the scheme text is read fresh too, and the two must be the same pin (right after a re-pin).
        var catalog = (await catalogs.ForYearAsync(Caller.Tenant, Year, fresh: true)).Catalog;
        if (text is null)
        {
            return;
        }

        var scheme = SchemeLoader.Load(text, "scheme", catalog);
        Lines = scheme.Dimensions.SelectMany(d => d.Lines)
            .Where(l => catalog[l.Indicator].PanelScored)
            .Select(l => new PanelLine(l.Indicator, catalog[l.Indicator].Name, catalog[l.Indicator].Max ?? 100, l.Points,
                ScoringStandard.Of(l, catalog[l.Indicator], scheme.Missing), l.Review))
            .ToList();
        Line = Lines.FirstOrDefault(l => l.Code == Code) ?? (Lines.Count > 0 ? Lines[0] : null);
        Counties = info.Counties.Length;
        Pages = Math.Max(1, (Counties + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(PageNumber, 1, Pages);
        if (Line is null)
        {
            return;
        }

        var versions = board.Counties.ToDictionary(c => c.County, StringComparer.Ordinal);
        var page = info.Counties.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToArray();
        var snapshots = await Task.WhenAll(page.Select(c =>
            cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(Caller.Tenant, c.Id, GrainKeys.AssessorEntry, Year)).GetSnapshot()));
        var marks = await Task.WhenAll(page.Select(c =>
            cluster.GetGrain<ICountyGrain>(GrainKeys.County(Caller.Tenant, c.Id, Year)).GetPanelMarks()));
        Rows = page.Select((c, i) =>
        {
            var entry = Array.Find(snapshots[i].Values, v => v.Code == Line.Code);
            var row = versions.GetValueOrDefault(c.Id);
            var result = results.TryGetValue(c.Id, out var r) ? r : default;
            return new PanelRow(c.Id, c.Name, entry?.Value, row?.Version ?? 0,
                row is null ? "" : WorkbenchText.Status(row.Status), result.Text, result.Failed, marks[i].GetValueOrDefault(Line.Code));
        }).ToList();
    }
}
