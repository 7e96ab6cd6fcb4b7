using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

/// <summary>
/// The five labelled annual reports, loaded as five counties of one tenant and ranked with the default scheme. Every
/// line's explanation is read back as a person would read it, and the points it states are recomputed from the
/// numbers it states: the sentence alone must justify the score.
/// </summary>
public partial class FixtureExplanationTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static List<CountyFacts> FixtureCounties() => Directory
        .GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "reports"), "*.expected.json")
        .Order(StringComparer.Ordinal)
        .Select(file =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var values = doc.RootElement.GetProperty("values").EnumerateObject()
                .Where(p => Catalog.TryGet(p.Name, out _))
                .ToDictionary(p => p.Name, p => p.Value.GetDouble());
            return new CountyFacts(Path.GetFileName(file).Split('.')[0], values);
        })
        .ToList();

    [Fact]
    public void Every_line_of_the_five_reports_ranking_is_explained_by_its_own_numbers()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var counties = FixtureCounties();
        Assert.Equal(5, counties.Count);
        var ranked = Ranker.Rank(scheme, new Scorer(Catalog, scheme).ScoreAll(counties));
        Assert.Equal(5, ranked.Count);

        var checkedLines = 0;
        foreach (var line in ranked.SelectMany(r => r.Card.Dimensions.SelectMany(d => d.Lines).Concat(r.Card.BonusLines)))
        {
            var text = line.Explanation;
            Assert.StartsWith(line.Name, text, StringComparison.Ordinal);
            if (line.Status == LineStatus.NotScored)
            {
                Assert.Contains("不计分", text, StringComparison.Ordinal);
                continue;
            }

            if (line.Status == LineStatus.Missing)
            {
                Assert.EndsWith($"未填报，得 0/{Scorer.F(line.Max)} 分", text, StringComparison.Ordinal);
                continue;
            }

            if (line.Rule is "event_deduction" or "bonus")
            {
                var per = Number(PerPattern().Match(text).Groups[1].Value);
                var taken = Number(TakenPattern().Match(text).Groups[1].Value);
                Assert.Equal(Math.Abs(line.Points), taken);
                Assert.True(taken <= per * line.Value!.Value + 1e-9);
                continue;
            }

            var stated = PointsPattern().Match(text);
            Assert.True(stated.Success, text);
            var points = Number(stated.Groups[1].Value);
            var max = Number(stated.Groups[2].Value);
            Assert.Equal(line.Points, points);
            Assert.Equal(line.Max, max);

            var value = Number(ValuePattern().Match(text[line.Name.Length..]).Groups[1].Value);
            Assert.Equal(Scorer.F(line.Value!.Value), Scorer.F(value));
            if (line.Numerator is { } n && line.Denominator is { } d)
            {
                Assert.Contains($"（{Scorer.F(n)}/{Scorer.F(d)}）", text, StringComparison.Ordinal);
                Assert.Equal(Scorer.Round(100 * n / d), value);
            }

            var recomputed = line.Rule switch
            {
                "linear" => Linear(text, value, max),
                "target_ratio" => max * Math.Min(1, value / Number(TargetPattern().Match(text).Groups[1].Value)),
                "min_count" => MinCount(text, value, max),
                "peer_relative" => max * Math.Min(1, value / Number(HighestPattern().Match(text).Groups[1].Value)),
                "yes_no" => text.Contains("：是", StringComparison.Ordinal) ? max : 0,
                _ => double.NaN,
            };
            if (line.Rule != "peer_relative_inverted")
            {
                Assert.True(Math.Abs(Scorer.Round(recomputed) - points) < 0.011, $"{text} → recomputed {recomputed}");
            }

            checkedLines++;
        }

        Assert.True(checkedLines >= 10, $"only {checkedLines} scored lines were checked");
    }

    private static double Linear(string text, double value, double max)
    {
        var m = LinearPattern().Match(text);
        var (lo, hi) = (Number(m.Groups[1].Value), Number(m.Groups[2].Value));
        return max * Math.Clamp((value - lo) / (hi - lo), 0, 1);
    }

    private static double MinCount(string text, double value, double max)
    {
        var m = MinCountPattern().Match(text);
        var (n, d) = (Number(m.Groups[1].Value), Number(m.Groups[2].Value));
        return value >= n ? max : Math.Max(0, max - (d * (n - value)));
    }

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"得 (-?[\d.]+)/([\d.]+) 分$")]
    private static partial Regex PointsPattern();

    [GeneratedRegex(@"^\s*(-?[\d.]+)")]
    private static partial Regex ValuePattern();

    [GeneratedRegex(@"按 ([\d.]+)[^→]*→([\d.]+)")]
    private static partial Regex LinearPattern();

    [GeneratedRegex(@"目标 ([\d.]+)")]
    private static partial Regex TargetPattern();

    [GeneratedRegex(@"不少于 ([\d.]+)，每少 1 扣 ([\d.]+) 分")]
    private static partial Regex MinCountPattern();

    [GeneratedRegex(@"最高 ([\d.]+)")]
    private static partial Regex HighestPattern();

    [GeneratedRegex(@"每(?:起|项)(?:扣|加) ([\d.]+) 分")]
    private static partial Regex PerPattern();

    [GeneratedRegex(@"，(?:扣|加) ([\d.]+) 分")]
    private static partial Regex TakenPattern();
}
