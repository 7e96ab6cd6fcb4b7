using System.Globalization;

namespace Assessment.Bulletins;

/// <summary>
/// The 存在问题 paragraph, from the data: the assessment contents where counties lost most (average score rate per
/// dimension), the counties far behind in them, vetoes and deductions — never a sentence the figures do not support.
/// Counties are named only when the tenant publishes scores.
/// </summary>
public static class BulletinFindings
{
    /// <summary>A dimension is weak when the counties' average score rate in it is below this.</summary>
    public const double WeakAverage = 0.8;

    /// <summary>A county is named under a weak dimension when its own rate is below this.</summary>
    public const double WeakCounty = 0.6;

    public static IReadOnlyList<string> Problems(BulletinInput input)
    {
        var sentences = new List<string>();
        var rows = input.Rows;
        if (rows.Count == 0)
        {
            return ["本年度尚无县（区）考核数据。"];
        }

        var weak = input.Dimensions
            .Select((d, i) => (Dimension: d, Index: i, Rates: rows.Where(r => i < r.Dimensions.Count && d.Weight > 0).Select(r => (Row: r, Rate: r.Dimensions[i] / d.Weight)).ToList()))
            .Where(x => x.Rates.Count > 0)
            .Select(x => (x.Dimension, x.Rates, Average: x.Rates.Average(r => r.Rate)))
            .Where(x => x.Average < WeakAverage)
            .OrderBy(x => x.Average)
            .Take(2)
            .ToList();
        foreach (var (dimension, rates, average) in weak)
        {
            var behind = rates.Where(r => r.Rate < WeakCounty).OrderBy(r => r.Rate).Select(r => r.Row.Name).ToList();
            var who = behind.Count == 0 ? ""
                : input.PublishScores ? $"，{string.Join("、", behind.Take(5))}{(behind.Count > 5 ? "等" : "")}{behind.Count}个县（区）不足{Percent(WeakCounty)}"
                : $"，{behind.Count}个县（区）不足{Percent(WeakCounty)}";
            sentences.Add($"“{dimension.Name}”平均得分率为{Percent(average)}{who}。");
        }

        var vetoed = rows.Where(r => r.Vetoed).Select(r => r.Name).ToList();
        if (vetoed.Count > 0)
        {
            sentences.Add(input.PublishScores ? $"{string.Join("、", vetoed)}因触发一票否决情形，年度考核等次直接确定。" : $"{vetoed.Count}个县（区）触发一票否决情形。");
        }

        var deducted = (input.Adjustments ?? []).Where(a => a.Points < 0).Select(a => a.County).Distinct().Count();
        if (deducted > 0)
        {
            sentences.Add($"复核中对{deducted}个县（区）核查扣分{(input.PublishScores ? "（见附件）" : "")}。");
        }

        if (sentences.Count == 0)
        {
            sentences.Add($"各县（区）各项考核内容的平均得分率均在{Percent(WeakAverage)}以上，未发现突出的共性问题，但县（区）之间仍有差距。");
        }

        return sentences;
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
