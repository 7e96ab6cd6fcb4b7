using System.Globalization;

namespace Assessment.Bulletins;

/// <summary>
/// The data-driven paragraphs of a bulletin. 总体情况 states what the figures are (counties, mean, extremes, grades, the
/// change against last year); 存在问题 names only what the figures show, with the tenant's thresholds: the assessment
/// contents where counties lost most, counties far behind in them, counties in the lowest grade or vetoed, late units
/// and missing values, counties whose rank fell most, deductions. A tenant whose counties all did well gets no problem
/// sentence. Counties are named only when the tenant publishes scores.
/// </summary>
public static class BulletinFindings
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<string> Overview(BulletinInput input)
    {
        var rows = input.Rows;
        if (rows.Count == 0)
        {
            return ["本年度尚无县（区）考核数据。"];
        }

        var sentences = new List<string>();
        var mean = rows.Average(r => r.Total);
        var grades = string.Join("，", input.Grades
            .Select(g => (Grade: g, Count: rows.Count(r => r.Grade == g)))
            .Where(g => g.Count > 0)
            .Select(g => $"{g.Grade}{g.Count}个"));
        var first = $"本次共考核{rows.Count}个县（区），其中{grades}。";
        if (input.PublishScores)
        {
            var top = rows[0];
            var bottom = rows[^1];
            first += $"平均分{F(mean)}分，最高分为{top.Name}（{F(top.Total)}分），最低分为{bottom.Name}（{F(bottom.Total)}分）。";
        }

        sentences.Add(first);
        var compared = rows.Where(r => r.PreviousTotal is not null && r.PreviousRank is not null).ToList();
        if (compared.Count > 0)
        {
            var before = compared.Average(r => r.PreviousTotal!.Value);
            var now = compared.Average(r => r.Total);
            var delta = Math.Round(now - before, 2);
            var meanChange = delta switch
            {
                > 0 => $"平均分较上年提高{F(delta)}分",
                < 0 => $"平均分较上年下降{F(-delta)}分",
                _ => "平均分与上年持平",
            };
            var up = compared.Count(r => r.PreviousRank > r.Rank);
            var down = compared.Count(r => r.PreviousRank < r.Rank);
            var same = compared.Count - up - down;
            var scope = compared.Count == rows.Count ? "与上年相比" : $"与上年相比（可比县（区）{compared.Count}个）";
            sentences.Add($"{scope}，{meanChange}；名次上升的{up}个，下降的{down}个，持平的{same}个。");
        }

        return sentences;
    }

    public static IReadOnlyList<string> Problems(BulletinInput input)
    {
        var settings = input.Settings;
        var rows = input.Rows;
        if (rows.Count == 0)
        {
            return [];
        }

        var sentences = new List<string>();
        var weak = input.Dimensions
            .Select((d, i) => (Dimension: d, Rates: rows.Where(r => i < r.Dimensions.Count && d.Weight > 0).Select(r => (Row: r, Rate: r.Dimensions[i] / d.Weight)).ToList()))
            .Where(x => x.Rates.Count > 0)
            .Select(x => (x.Dimension, x.Rates, Average: x.Rates.Average(r => r.Rate)))
            .Where(x => x.Average < settings.WeakAverage)
            .OrderBy(x => x.Average)
            .Take(2)
            .ToList();
        foreach (var (dimension, rates, average) in weak)
        {
            var behind = rates.Where(r => r.Rate < settings.WeakCounty).OrderBy(r => r.Rate).Select(r => r.Row.Name).ToList();
            var who = behind.Count == 0 ? ""
                : input.PublishScores ? $"，{Names(behind)}{behind.Count}个县（区）不足{Percent(settings.WeakCounty)}"
                : $"，{behind.Count}个县（区）不足{Percent(settings.WeakCounty)}";
            sentences.Add($"“{dimension.Name}”平均得分率为{Percent(average)}{who}。");
        }

        var vetoed = rows.Where(r => r.Vetoed).Select(r => r.Name).ToList();
        if (vetoed.Count > 0)
        {
            sentences.Add(input.PublishScores ? $"{string.Join("、", vetoed)}因触发一票否决情形，年度考核等次直接确定为{input.Grades[^1]}。" : $"{vetoed.Count}个县（区）触发一票否决情形。");
        }

        // The lowest grade of a scale with at least three grades is a finding in itself (不合格, 较差); with two it is
        // only "not the top".
        if (input.Grades.Count >= 3)
        {
            var lowest = rows.Where(r => r.Grade == input.Grades[^1] && !r.Vetoed).Select(r => r.Name).ToList();
            if (lowest.Count > 0)
            {
                sentences.Add(input.PublishScores ? $"{Names(lowest)}{lowest.Count}个县（区）考核等次为{input.Grades[^1]}。" : $"{lowest.Count}个县（区）考核等次为{input.Grades[^1]}。");
            }
        }

        if (input.Timeliness is { UnitsExpected: > 0 } t)
        {
            var parts = new List<string>();
            if (t.Late > 0 && t.Late >= settings.LateShare * t.UnitsExpected)
            {
                parts.Add($"{t.Late}家单位逾期报送");
            }

            if (t.UnitsSubmitted < t.UnitsExpected && t.UnitsExpected - t.UnitsSubmitted >= settings.LateShare * t.UnitsExpected)
            {
                parts.Add($"{t.UnitsExpected - t.UnitsSubmitted}家单位未报送数据");
            }

            if (t.MissingValues > 0)
            {
                parts.Add($"{t.MissingValues}项指标值未填报");
            }

            if (parts.Count > 0)
            {
                sentences.Add($"数据报送方面，应报送单位{t.UnitsExpected}家，{string.Join("，", parts)}。");
            }
        }

        var fell = rows.Where(r => r.PreviousRank is { } p && r.Rank - p >= settings.RankDrop)
            .OrderByDescending(r => r.Rank - r.PreviousRank!.Value).ToList();
        if (fell.Count > 0)
        {
            sentences.Add(input.PublishScores
                ? $"与上年相比，{string.Join("、", fell.Take(5).Select(r => $"{r.Name}（下降{r.Rank - r.PreviousRank}位）"))}{(fell.Count > 5 ? "等" : "")}{fell.Count}个县（区）名次下降{settings.RankDrop}位以上。"
                : $"与上年相比，{fell.Count}个县（区）名次下降{settings.RankDrop}位以上。");
        }

        var deducted = (input.Adjustments ?? []).Where(a => a.Points < 0).Select(a => a.County).Distinct().Count();
        if (deducted > 0)
        {
            sentences.Add($"复核中对{deducted}个县（区）核查扣分{(input.PublishScores ? "（见附件）" : "")}。");
        }

        return sentences;
    }

    /// <summary>What the bulletin says when <see cref="Problems"/> finds nothing.</summary>
    public static string NoProblems(BulletinInput input) =>
        $"各县（区）各项考核内容的平均得分率均在{Percent(input.Settings.WeakAverage)}以上，考核中未发现突出的共性问题。";

    /// <summary>下一步要求: the tenant's paragraphs, or a standard one.</summary>
    public static IReadOnlyList<string> NextSteps(BulletinInput input) =>
        input.Settings.NextSteps.Count > 0 ? input.Settings.NextSteps
            : [$"各县（区）要对照考核结果认真查摆问题，制定整改措施，于通报印发后30日内将整改情况报{input.Issuer}。"];

    private static string Names(List<string> names) => $"{string.Join("、", names.Take(5))}{(names.Count > 5 ? "等" : "")}";

    private static string F(double value) => value.ToString("0.00", Inv);

    private static string Percent(double rate) => (rate * 100).ToString("0.#", Inv) + "%";
}
