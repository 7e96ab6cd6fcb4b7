using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using FsCheck;
using FsCheck.Xunit;

namespace Assessment.Domain.Tests;

/// <summary>
/// Properties of scoring and ranking over arbitrary counties. FsCheck generates the raw numbers; they are turned into
/// plausible county facts for the default scheme (parts never exceed their wholes, flags are 0/1).
/// </summary>
public class RankingProperties
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;
    // A scheme whose every point depends on the generated indicators, so high grades and the quota really occur.
    private static readonly Scheme Scheme = SchemeLoader.Load("""
        code: properties
        version: 1
        name: 性质测试细则
        dimensions:
          - code: org
            name: 组织领导
            weight: 20
            lines:
              - { indicator: org.leading_group, points: 10, rule: yes_no }
              - { indicator: org.meetings, points: 10, rule: min_count, n: 3, deduct: 2 }
            deductions:
              - { indicator: decision.unreviewed_issued, per: 1, cap: 3 }
          - code: mediation
            name: 调解
            weight: 30
            lines:
              - { indicator: mediation.success_rate, points: 30, rule: linear, lo: 80, hi: 100 }
          - code: pufa
            name: 普法
            weight: 20
            lines:
              - { indicator: pufa.activities, points: 20, rule: peer_relative }
          - code: dispute
            name: 应诉
            weight: 10
            lines:
              - { indicator: dispute.litigation_loss_rate, points: 10, rule: peer_relative, inverted: true, min_denominator: 3 }
          - code: satisfaction
            name: 满意度
            weight: 20
            lines:
              - { indicator: satisfaction.survey_score, points: 20, rule: linear, lo: 0, hi: 100 }
        bonus:
          cap: 3
          lines:
            - { indicator: bonus.national_honours, per: 2 }
        grades:
          bands:
            - { label: 优秀, min: 90 }
            - { label: 良好, min: 80 }
            - { label: 合格, min: 60 }
            - { label: 不合格, min: 0 }
          quota: { label: 优秀, share: 0.30 }
        """, "properties.yaml", Catalog);
    private static readonly Scorer Scorer = new(Catalog, Scheme);

    private static List<CountyFacts> Counties(int[] raw)
    {
        var counties = new List<CountyFacts>();
        var n = Math.Clamp(raw.Length / 6, 1, 40);
        for (var c = 0; c < n; c++)
        {
            int R(int k, int mod) => Math.Abs(raw.Length == 0 ? 0 : raw[((c * 6) + k) % raw.Length] % mod);
            var received = 10 + R(0, 50);
            var values = new Dictionary<string, double>
            {
                ["org.leading_group"] = R(1, 5) == 0 ? 0 : 1,
                ["org.meetings"] = R(2, 6),
                ["mediation.disputes_received"] = received,
                ["mediation.disputes_resolved"] = received - R(3, 3),
                ["pufa.activities"] = R(4, 300),
                ["satisfaction.survey_score"] = 60 + R(5, 41),
                ["dispute.litigation_concluded"] = R(1, 8),
                ["dispute.litigation_lost"] = Math.Min(R(1, 8), R(2, 3)),
                ["decision.unreviewed_issued"] = R(3, 3),
                ["bonus.national_honours"] = R(4, 3),
            };
            counties.Add(new CountyFacts($"c{c:D2}", values));
        }

        return counties;
    }

    private static IReadOnlyList<RankedCounty> Rank(IReadOnlyList<CountyFacts> counties) => Ranker.Rank(Scheme, Scorer.ScoreAll(counties));

    [Property(MaxTest = 200)]
    public bool Permuting_the_input_changes_nothing(int[] raw, int seed)
    {
        var counties = Counties(raw);
        var shuffled = counties.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));
        var a = Rank(counties).Select(r => (r.County, r.Rank, r.Total, r.Grade));
        var b = Rank(shuffled).Select(r => (r.County, r.Rank, r.Total, r.Grade));
        return a.SequenceEqual(b);
    }

    [Property(MaxTest = 200)]
    public bool Raising_a_higher_is_better_value_never_lowers_that_countys_score(int[] raw, PositiveInt raise, NonNegativeInt which)
    {
        var counties = Counties(raw);
        var index = which.Get % counties.Count;
        var before = Scorer.ScoreAll(counties)[index].Total;
        foreach (var code in new[] { "pufa.activities", "satisfaction.survey_score", "org.meetings" })
        {
            var raised = counties.ToList();
            var values = new Dictionary<string, double>(raised[index].Values);
            values[code] = code == "satisfaction.survey_score" ? Math.Min(100, values[code] + raise.Get) : values[code] + raise.Get;
            raised[index] = raised[index] with { Values = values };
            if (Scorer.ScoreAll(raised)[index].Total < before)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 200)]
    public bool Cards_without_lines_have_exactly_the_points_of_explained_ones(int[] raw)
    {
        // Rankings score without lines (RankingCache); pages explain one county. Every figure must agree.
        static string Points(ScoreCard c) => string.Join(";", c.Dimensions.Select(d => $"{d.Code}={d.Points}")
            .Append($"{c.County}:{c.Total}/{c.Bonus}/{c.Deductions}/{c.Vetoed}/{c.VetoReason}/{c.Adjusted}"));
        var counties = Counties(raw);
        var explained = Scorer.ScoreAll(counties);
        var bare = Scorer.ScoreAll(counties, explain: false);
        return explained.Zip(bare).All(p => Points(p.First) == Points(p.Second)
            && p.First.Dimensions.All(d => d.Lines.Count > 0 && d.Lines.All(l => l.Explanation.Length > 0))
            && p.Second.Dimensions.All(d => d.Lines.Count == 0) && p.Second.BonusLines.Count == 0);
    }

    [Property(MaxTest = 200)]
    public bool Subtotals_add_up_and_every_score_is_within_zero_and_the_maximum(int[] raw)
    {
        return Scorer.ScoreAll(Counties(raw)).All(card =>
            card.Total >= 0
            && card.Total <= Scheme.MaxTotal
            && Math.Abs(Scorer.Round(card.Dimensions.Sum(d => d.Points) + card.Bonus) - card.Total) < 0.011
            && card.Dimensions.All(d => d.Points >= 0 && d.Points <= d.Weight + 1e-9)
            && card.Bonus <= Scheme.BonusCap);
    }

    [Property(MaxTest = 200)]
    public bool The_quota_is_never_exceeded_and_ties_share_a_rank(int[] raw)
    {
        var ranked = Rank(Counties(raw));
        var allowed = (int)Math.Floor(Scheme.Quota!.Share * ranked.Count + 1e-9);
        if (ranked.Count(r => r.Grade == Scheme.Quota.Label) > allowed)
        {
            return false;
        }

        // A rank is one more than the number of counties with a strictly higher total.
        return ranked.All(r => r.Rank == 1 + ranked.Count(o => o.Total > r.Total));
    }

    [Fact]
    public void The_generated_counties_reach_the_quota_grade_so_the_quota_property_means_something()
    {
        var rng = new Random(7);
        var reached = Enumerable.Range(0, 50).Sum(_ =>
        {
            var raw = Enumerable.Range(0, 60).Select(_ => rng.Next()).ToArray();
            return Rank(Counties(raw)).Count(r => r.Grade == Scheme.Quota!.Label || r.LimitedByQuota);
        });
        Assert.True(reached > 20, $"only {reached} counties reached 优秀");
    }
}
