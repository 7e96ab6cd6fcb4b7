using System.Globalization;
using Assessment.Domain.Scoring;
using Scriban.Runtime;

namespace Assessment.Bulletins;

/// <summary>Turns bulletin input into the Scriban model: figures and sentences are made here, the template lays them out.</summary>
internal static class BulletinModel
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Two counties of made-up figures: what a tenant's template is tried on at upload.</summary>
    public static readonly BulletinInput Sample = new(
        "样例市", "样例市法治办", "样法办", "各县（区）", 2025, 1, new DateOnly(2026, 1, 15), true, "样例细则", ["优秀", "合格"],
        [new BulletinDimension("org", "组织领导", 10)],
        [new BulletinRow(1, "a", "甲县", 91.5, "优秀", [9.5], false, false, 2, 88), new BulletinRow(2, "b", "乙县", 80, "合格", [8], false, false, 1, 90)],
        [new BulletinAdjustment("乙县", "组织领导", -1, "样例", null)],
        [new BulletinAnchor("甲县", 3, new string('0', 64))])
    {
        Correction = new BulletinCorrection("样法办〔2026〕1号", BulletinInput.ResultsTitle(2025), new DateOnly(2026, 1, 10), "样例"),
    };

    public static ScriptObject Build(BulletinInput input, IReadOnlyList<BulletinChart> charts)
    {
        var rows = input.Rows;
        var settings = input.Settings;
        var problems = BulletinFindings.Problems(input);
        var model = new ScriptObject
        {
            ["style"] = BulletinRenderer.DocumentStyle,
            ["tenant"] = input.TenantName,
            ["issuer"] = input.Issuer,
            // 发文机关标志 on one line within the 版心 (156 mm ≈ 442 pt): at most 36 pt, smaller for long names.
            ["masthead_size"] = Math.Clamp(Math.Floor(430.0 / Math.Max(1, input.Issuer.Length)), 16, 36).ToString(Inv),
            ["doc_number"] = input.DocumentNumber,
            ["draft"] = input.Draft,
            ["overview"] = new ScriptArray(BulletinFindings.Overview(input)),
            ["problems"] = new ScriptArray(problems.Count > 0 ? problems : [BulletinFindings.NoProblems(input)]),
            ["next_steps"] = new ScriptArray(BulletinFindings.NextSteps(input)),
            ["recipients"] = input.Recipients,
            ["year"] = input.Year.ToString(Inv),
            ["scheme"] = input.SchemeName,
            ["issued_on"] = input.Draft ? "（征求意见稿，未印发）" : Date(input.IssuedOn),
            ["printed_on"] = input.Draft ? "" : Date(input.IssuedOn) + "印发",
            ["printer"] = settings.Printer.Length > 0 ? settings.Printer : input.Issuer,
            ["copy_to"] = settings.CopyTo,
            ["disclosure"] = settings.Public ? "（此件公开发布）" : "（此件不公开）",
            ["publish_scores"] = input.PublishScores,
            ["has_previous"] = rows.Any(r => r.PreviousRank is not null),
            ["county_count"] = rows.Count,
        };
        var resultsTitle = BulletinInput.ResultsTitle(input.Year);
        if (input.Correction is { } corrected)
        {
            model["title"] = $"关于更正《{corrected.Title}》的通报";
            model["correction"] = new ScriptObject
            {
                ["number"] = corrected.Number,
                ["title"] = corrected.Title,
                ["issued_on"] = Date(corrected.IssuedOn),
                ["reason"] = corrected.Reason,
            };
        }
        else
        {
            model["title"] = resultsTitle;
            model["correction"] = null;
        }

        if (rows.Count > 0)
        {
            model["highest"] = new ScriptObject { ["name"] = rows[0].Name, ["total"] = F(rows[0].Total) };
            model["lowest"] = new ScriptObject { ["name"] = rows[^1].Name, ["total"] = F(rows[^1].Total) };
            model["mean"] = F(rows.Average(r => r.Total));
        }

        model["grades"] = new ScriptArray(input.Grades.Select(grade =>
        {
            var members = rows.Where(r => r.Grade == grade).ToList();
            return (object)new ScriptObject
            {
                ["label"] = grade,
                ["count"] = members.Count,
                ["counties"] = new ScriptArray(members.Select(m => (object)m.Name)),
                ["names"] = string.Join("、", members.Select(m => m.Name)),
            };
        }));
        model["limited_by_quota"] = new ScriptArray(rows.Where(r => r.LimitedByQuota).Select(r => (object)r.Name));
        model["dimensions"] = new ScriptArray(input.Dimensions.Select(d => (object)new ScriptObject
        {
            ["code"] = d.Code,
            ["name"] = d.Name,
            ["weight"] = d.Weight.ToString("0.##", Inv),
        }));
        model["rows"] = new ScriptArray(rows.Select(r => (object)new ScriptObject
        {
            ["rank"] = r.Rank,
            ["name"] = r.Name,
            ["total"] = F(r.Total),
            ["grade"] = r.Grade,
            ["scores"] = new ScriptArray(r.Dimensions.Select(d => (object)F(d))),
            ["limited"] = r.LimitedByQuota,
            ["change"] = r.PreviousRank is { } p ? (p - r.Rank) switch { > 0 and var up => $"↑{up}", < 0 and var down => $"↓{-down}", _ => "持平" } : "—",
            ["total_change"] = r.PreviousTotal is { } t && r.PreviousRank is not null ? (r.Total - t).ToString("+0.00;-0.00;0.00", Inv) : "—",
            ["vetoed"] = r.Vetoed,
        }));
        model["adjustments"] = new ScriptArray((input.Adjustments ?? []).Select(a => (object)new ScriptObject
        {
            ["county"] = a.County,
            ["target"] = a.Target,
            ["points"] = a.Points.ToString("+0.##;-0.##", Inv),
            ["reason"] = a.Reason,
            ["evidence"] = a.Evidence ?? "—",
        }));
        model["charts"] = new ScriptArray(charts.Select(c => (object)new ScriptObject { ["caption"] = c.Caption, ["alt"] = c.Alt, ["svg"] = c.Svg }));

        // 附件 in order, numbered as the 附件说明 lists them.
        var annexes = new List<(string Key, string Name)>();
        if (input.PublishScores && rows.Count > 0)
        {
            annexes.Add(("ranking", $"{input.Year}年度法治政府建设考核得分排名表"));
        }

        if (charts.Count > 0)
        {
            annexes.Add(("charts", $"{input.Year}年度法治政府建设考核结果图表"));
        }

        if (input.PublishScores && (input.Adjustments?.Count ?? 0) > 0)
        {
            annexes.Add(("adjustments", "核查调整情况"));
        }

        if (input.Standards.Count > 0)
        {
            annexes.Add(("standards", $"{input.Year}年度法治政府建设考核评分细则"));
        }

        model["standards"] = SchemeRows(input.Standards);
        model["annexes"] = new ScriptArray(annexes.Select((a, i) => (object)new ScriptObject { ["number"] = i + 1, ["key"] = a.Key, ["name"] = a.Name }));
        foreach (var key in new[] { "ranking", "charts", "adjustments", "standards" })
        {
            var index = annexes.FindIndex(a => a.Key == key);
            model[$"annex_{key}"] = index < 0 ? 0 : index + 1;
        }

        model["documents"] = new ScriptArray((input.Documents ?? []).Select(d => (object)new ScriptObject { ["format"] = d.Format, ["sha256"] = d.Sha256 }));
        model["anchors"] = new ScriptArray((input.Anchors ?? []).Select(a => (object)new ScriptObject
        {
            ["county"] = a.County,
            ["count"] = a.Count,
            ["hash"] = a.Hash,
        }));
        return model;
    }

    /// <summary>The 细则 table's rows for a template (the 通知's 附件 and the 通报's 评分细则 annex).</summary>
    internal static ScriptArray SchemeRows(IEnumerable<SchemeTableRow> rows) => new(rows.Select(r => (object)new ScriptObject
    {
        ["level1"] = r.Level1,
        ["level2"] = r.Level2,
        ["level3"] = r.Level3,
        ["points"] = r.Points,
        ["standard"] = r.Standard,
        ["method"] = r.Method,
    }));

    /// <summary>成文日期 in Arabic numerals with 年月日 in full, no leading zeros (GB/T 9704-2012 7.3.5.1).</summary>
    public static string Date(DateOnly date) => $"{date.Year}年{date.Month}月{date.Day}日";

    private static string F(double value) => value.ToString("0.00", Inv);
}
