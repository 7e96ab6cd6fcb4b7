using System.Globalization;
using Assessment.Domain;
using Assessment.Domain.Extraction;
using Xunit.Abstractions;

namespace Assessment.Domain.Tests;

public class ExtractionTests(ITestOutputHelper output)
{
    private static IEnumerable<LabelledReport> Fixtures(string corpus = "reports") => Directory
        .GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", corpus), "*.txt")
        .Order(StringComparer.Ordinal)
        .Select(LabelledReport.Load);

    [Fact]
    public void Nested_cross_validation_by_report_measures_precision_recall_and_calibration_per_corpus_and_level()
    {
        var reports = Fixtures().Concat(Fixtures("dev")).ToList();
        var result = CrossValidation.Run(reports, 5, Catalog.IndicatorCatalog.Default, CueBook.Default);
        var scores = result.Reports.ToDictionary(r => r.Name);
        EvaluationScore Of(string name, IEnumerable<LabelledReport> part)
        {
            var score = EvaluationScore.Sum(name, part.Select(r => scores[r.Name]));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: pre-filled P {score.Precision:0.000} R {score.Recall:0.000} ({score.TruePositives} right, {score.FalsePositives} wrong, {score.Misses} missed); suggestions {score.SuggestedRight} right {score.SuggestedWrong} wrong"));
            return score;
        }

        // What the method reaches on reports it was not fitted on (docs/extraction.md; the issue's target is 0.95 / 0.6).
        var overall = Of("all 83", reports);
        Assert.True(overall.Precision >= 0.93 && overall.Recall >= 0.58, $"{overall.Precision:0.000} / {overall.Recall:0.000}");
        var full = Of("five full reports", Fixtures());
        Assert.True(full.Precision >= 0.99 && full.Recall >= 0.74, $"{full.Precision:0.000} / {full.Recall:0.000}");
        var dev = Of("78 report beginnings", Fixtures("dev"));
        Assert.True(dev.Precision >= 0.87 && dev.Recall >= 0.47, $"{dev.Precision:0.000} / {dev.Recall:0.000}");
        foreach (var level in reports.GroupBy(r => r.Level))
        {
            var score = Of(level.Key.ToString(), level);
            Assert.True(score.Precision >= 0.92 && score.Recall >= 0.5, $"{level.Key}: {score.Precision:0.000} / {score.Recall:0.000}");
        }

        Assert.True(reports.All(r => r.Province.Length > 0), "every labelled report names its province");
        output.WriteLine("pre-fill confidence chosen on each fold's training reports: " + string.Join(" ", result.Thresholds));

        // Calibration: the bands most proposals fall in are right about as often as they say. The top band (most of
        // the pre-filled values) is within 0.05 of its range; [0.8, 0.9) is under-confident (right every time).
        foreach (var band in Calibration.Bands(overall.Outcomes))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{band.Low:0.00}, {band.High:0.00}): {band.Proposals} proposals, mean confidence {band.MeanConfidence:0.000}, right {band.Precision:0.000}"));
            if (band.Proposals >= 20)
            {
                Assert.True(band.Distance <= (band.Low >= 0.9 ? 0.05 : 0.1), $"band {band.Low}: {band.Precision:0.000}");
            }
        }
    }

    [Theory]
    [InlineData("全年开展村（社区）“法律明白人”培训320人次。", "pufa.understander_training", 320)]
    [InlineData("组织培训村级法律明白人320人次。", "pufa.understander_training", 320)]
    [InlineData("全镇签订法治建设承诺书的村（社区）达12个。", "org.pledged_villages", 12)]
    [InlineData("全年走访企业开展法治体检45家。", "org.law_checkups", 45)]
    public void A_tenants_own_indicator_is_suggested_from_its_name_and_guidance_and_never_pre_filled(string text, string code, double value)
    {
        var tenant = Catalog.CatalogLoader.Load("""
            version: 1
            dimensions:
              - { code: org, name: 组织领导 }
              - { code: pufa, name: 普法 }
            indicators:
              - { code: pufa.understander_training, name: "法律明白人培训人次", kind: count, unit: 人次, dimension: pufa, source: unit, guidance: "村（社区）法律明白人参加培训的人次" }
              - { code: org.pledged_villages, name: "签订法治建设承诺书的村（社区）数", kind: count, unit: 个, dimension: org, source: unit }
              - { code: org.law_checkups, name: "企业法治体检家数", kind: count, unit: 家, dimension: org, source: unit, guidance: "走访企业开展法治体检的家数" }
              - { code: org.retired_checkups, name: "企业法治体检家数（旧）", kind: count, unit: 家, dimension: org, source: unit, retired: true }
              - { code: org.pledge, name: "签订法治建设承诺书", kind: flag, dimension: org, source: unit }
            """, "tenant.yaml");
        var result = ReportExtractor.Default.Extract(text, tenant: tenant);
        var p = Assert.Single(result.Proposals, x => x.Code == code);
        Assert.Equal(value, p.Value);
        Assert.True(p.Suggestion, $"{code} pre-filled at {p.Confidence}");
        Assert.Equal(p.Evidence, text[p.Start..p.End]);
        Assert.DoesNotContain(result.Proposals, x => x.Code is "org.retired_checkups" or "org.pledge");

        // Without the tenant's catalog nothing is said of its indicators.
        Assert.DoesNotContain(ReportExtractor.Default.Extract(text).Proposals, x => x.Code == code);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200)]
    [InlineData(1000)]
    public void A_catalog_of_many_look_alike_indicators_gives_a_figure_to_a_few_of_them_only(int count)
    {
        var yaml = new System.Text.StringBuilder("version: 1\ndimensions:\n  - { code: pufa, name: 普法 }\nindicators:\n");
        for (var i = 0; i < count; i++)
        {
            yaml.Append(string.Create(CultureInfo.InvariantCulture, $"  - {{ code: pufa.training{i}, name: \"法律明白人培训人次{i}\", kind: count, unit: 人次, dimension: pufa, source: unit }}\n"));
        }

        var tenant = Catalog.CatalogLoader.Load(yaml.ToString(), "tenant.yaml");
        var text = string.Concat(Enumerable.Repeat("培训法律明白人320人次。", 3));
        var own = ReportExtractor.Default.Extract(text, tenant: tenant).Proposals.Where(p => p.Code.StartsWith("pufa.training", StringComparison.Ordinal)).ToList();
        Assert.InRange(own.Count, 1, 5); // the same wording each time: the same few indicators, never the whole catalog
        Assert.All(own, p => Assert.True(p.Suggestion));
    }

    [Fact]
    public void The_shipped_model_is_the_one_the_labelled_corpora_give()
    {
        // assess extract --train Fixtures/reports Fixtures/dev -o src/Assessment.Domain/Data writes it; a cue edit, a
        // feature change or a new labelled report without a refit fails here.
        var refit = ProposalModelTraining.Fit(Fixtures().Concat(Fixtures("dev")).ToList(), new ReportExtractor(Catalog.IndicatorCatalog.Default, CueBook.Default));
        Assert.Equal(refit.ToJson(), ProposalModel.Default.ToJson());
        var otherWay = ProposalModelTraining.Fit(Fixtures("dev").Concat(Fixtures()).Reverse().ToList(), new ReportExtractor(Catalog.IndicatorCatalog.Default, CueBook.Default));
        Assert.Equal(refit.ToJson(), otherWay.ToJson());
        Assert.Equal(83, ProposalModel.Default.Reports);
    }

    [Fact]
    public void An_indicator_the_model_has_no_labelled_value_of_is_never_pre_filled()
    {
        // Every indicator in turn is taken out of what the shipped model was trained on: its proposals on every
        // labelled report become suggestions, and no other indicator's proposal changes.
        var shipped = ProposalModel.Default;
        var reports = Fixtures().Concat(Fixtures("dev")).ToList();
        var before = reports.Select(r => ReportExtractor.Default.Extract(r.Text).Proposals).ToList();
        var prefilled = before.SelectMany(p => p).Where(p => !p.Suggestion).Select(p => p.Code).Distinct().ToList();
        Assert.NotEmpty(prefilled);
        foreach (var code in prefilled)
        {
            var without = ProposalModel.Parse(shipped.ToJson());
            without.Trained.Remove(code);
            var extractor = ReportExtractor.Default.WithModel(without);
            for (var i = 0; i < reports.Count; i++)
            {
                var after = extractor.Extract(reports[i].Text).Proposals;
                Assert.All(after.Where(p => p.Code == code), p => Assert.True(p.Suggestion, $"{code} in {reports[i].Name}"));
                Assert.Equal(before[i].Where(p => p.Code != code && p.Cue is not null).Select(p => (p.Code, p.Value, p.Suggestion)),
                    after.Where(p => p.Code != code && p.Cue is not null).Select(p => (p.Code, p.Value, p.Suggestion)));
            }
        }
    }

    public static TheoryData<string> MalformedModels() => new()
    {
        """{ "version": 1 }""",
        """{ "version": 2, "prefill": 1.5 }""",
        """{ "version": 2, "prefill": -0.1 }""",
        """{ "version": 2, "calibration": [[0, 0.5], [1, 0.4]] }""",
        """{ "version": 2, "calibration": [[1, 0.5], [0, 0.6]] }""",
        """{ "version": 2, "calibration": [[0, 1.2]] }""",
        """{ "version": 2, "calibration": [[0]] }""",
        """{ "version": 2, "calibration": [[0, 0.5, 1]] }""",
        """{ "version": 2, "weights": { "cue": "NaN" } }""",
        """{ "version": 2, "wording": { "pufa.activities": { "b:宣传": "Infinity" } } }""",
        """{}""",
        """null""",
        """[]""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": null, "weights": {}, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": null, "prefill": 0.9, "trained": [], "weights": {}, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [null], "prefill": 0.9, "trained": [], "weights": {}, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [null], "weights": {}, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": null, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": {}, "wording": null }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": {}, "wording": { "x": null } }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": { "cue": 1e308 }, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": { "cue": -101 }, "wording": {} }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": {}, "wording": {}, "threshold": 6 }""",
        """{ "version": 2, "reports": 1, "calibration": [], "prefill": 0.9, "trained": [], "weights": {} }""",
    };

    [Fact]
    public void A_model_file_with_every_member_is_read_and_written_back_unchanged()
    {
        var json = """{ "version": 2, "reports": 1, "calibration": [[-1, 0.2], [2, 0.9]], "prefill": 0.9, "trained": ["pufa.activities"], "weights": { "cue": 1.5 }, "wording": { "pufa.activities": { "b:宣传": 0.25 } } }""";
        var model = ProposalModel.Parse(json);
        Assert.Equal(model.ToJson(), ProposalModel.Parse(model.ToJson()).ToJson());
        Assert.Equal([0.2, 0.2, 0.55, 0.9, 0.9], new[] { -5, -1, 0.5, 2, 9 }.Select(model.Confidence));
        Assert.Equal(ProposalModel.Default.ToJson(), ProposalModel.Parse(ProposalModel.Default.ToJson()).ToJson());
    }

    [Fact]
    public void Isotonic_calibration_rises_with_the_score_pools_equal_scores_and_never_claims_certainty_from_few()
    {
        var random = new Random(34);
        for (var variant = 0; variant < 200; variant++)
        {
            // Scores on a coarse grid (many ties), right more often as the score rises, with noise.
            var outcomes = Enumerable.Range(0, random.Next(1, 300))
                .Select(_ => random.Next(-8, 9) / 2.0)
                .Select(score => (score, random.NextDouble() < 0.9 / (1 + Math.Exp(-score))))
                .ToList();
            var points = ProposalModelTraining.Isotonic(outcomes);
            Assert.Equal(points.Select(p => p[0]).Distinct().Count(), points.Count);
            Assert.All(points.Zip(points.Skip(1)), p => Assert.True(p.Second[0] > p.First[0] && p.Second[1] >= p.First[1]));
            Assert.All(points, p => Assert.True(p[1] > 0 && p[1] < 1)); // half a proposal each way: never certainty either way
            Assert.True(outcomes.Select(o => o.score).Distinct().Count() >= points.Count);
        }
    }

    [Fact]
    public void The_pre_fill_confidence_is_the_lowest_at_which_precision_holds_and_nothing_when_it_never_does()
    {
        // From 0.6 down to it, 3 of 4 are right; from 0.5, 3 of 5.
        Assert.Equal(0.6, ProposalModelTraining.PrefillConfidence([(0.9, true), (0.8, true), (0.7, true), (0.6, false), (0.5, false)], 0.75));
        Assert.Equal(0.7, ProposalModelTraining.PrefillConfidence([(0.9, true), (0.8, true), (0.7, true), (0.6, false), (0.5, false)], 0.76));
        Assert.Equal(1.01, ProposalModelTraining.PrefillConfidence([(0.9, false), (0.8, true)], 0.95));
        Assert.Equal(1.01, ProposalModelTraining.PrefillConfidence([], 0.95));
        var random = new Random(35);
        for (var variant = 0; variant < 200; variant++)
        {
            var outcomes = Enumerable.Range(0, random.Next(0, 100)).Select(_ => (Math.Round(random.NextDouble(), 2), random.NextDouble() < 0.9)).ToList();
            var threshold = ProposalModelTraining.PrefillConfidence(outcomes, 0.95);
            var kept = outcomes.Where(o => o.Item1 >= threshold).ToList();
            Assert.True(kept.Count == 0 || kept.Count(o => o.Item2) >= 0.95 * kept.Count);
        }
    }

    [Fact]
    public void Cross_validation_folds_never_share_a_report_and_two_reports_of_one_name_are_refused()
    {
        var random = new Random(36);
        for (var variant = 0; variant < 100; variant++)
        {
            var names = Enumerable.Range(0, random.Next(1, 90)).Select(i => $"r{i:000}").OrderBy(_ => random.Next()).ToList();
            var k = random.Next(2, 11);
            var folds = CrossValidation.Deal(names, k, n => n);
            Assert.Equal(names.Order(StringComparer.Ordinal), folds.SelectMany(f => f).Order(StringComparer.Ordinal));
            Assert.Equal(Math.Min(k, names.Count), folds.Count);
        }

        var report = Fixtures().First();
        Assert.Throws<ArgumentException>(() => CrossValidation.Run([report, report], 2, Catalog.IndicatorCatalog.Default, CueBook.Default));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(50)]
    [InlineData(500)]
    [InlineData(3000)]
    public void A_sum_adds_figures_within_a_sentences_reach_not_a_whole_list_without_a_full_stop(int repeats)
    {
        var text = string.Concat(Enumerable.Repeat("举办法治讲座8次，", repeats));
        var p = Assert.Single(ReportExtractor.Default.Extract(text).Proposals, x => x.Code == "study.lectures");
        Assert.True(p.End - p.Start <= 2 * 240 + 20, $"{p.End - p.Start} characters of evidence");
        Assert.True(p.Parts.Count <= 2 * 240 / "举办法治讲座8次，".Length + 1, $"{p.Parts.Count} parts");
    }

    [Theory]
    [MemberData(nameof(MalformedModels))]
    public void A_malformed_model_file_is_refused(string json) =>
        Assert.ThrowsAny<Exception>(() => ProposalModel.Parse(json));

    [Theory]
    [InlineData("2024年县委常委会、县政府常务会组织集中学法12次。", "study.sessions")]          // a joint party-and-government figure
    [InlineData("县委常委会、县政府常务会研究法治建设重点工作2次。", "org.meetings")]
    [InlineData("县委常委会、县政府常务会组织集体学法10次。", "study.pre_meeting_study")]
    [InlineData("举办领导干部专题法治培训、讲座2期。", "study.lectures")]                      // training and lectures together
    [InlineData("干部群众开展8次集中学习宣传活动。", "study.sessions")]                         // publicity, not study
    public void Joint_and_mixed_figures_are_not_taken_for_a_single_indicator(string text, string code) =>
        Assert.DoesNotContain(ReportExtractor.Default.Extract(text).Proposals, p => p.Code == code);

    [Theory]
    [InlineData("镇党委开展8次集中学习。", "study.sessions", 8)]                                 // the figure before its noun
    [InlineData("县政府常务会议学法18次。", "study.pre_meeting_study", 18)]
    [InlineData("对本局所有32份行政合同进行法治审查。", "decision.contracts_reviewed", 32)]
    [InlineData("全年办理各类便民服务事项1500余件。", "service.cases_handled", 1500)]
    [InlineData("实际参加考试人数为53人,参考率为100%。", "study.exam_participation_rate", 100)]
    [InlineData("全年共办理依申请公开政府信息46件。", "oversight.disclosure_requests", 46)]
    [InlineData("承办人大代表建议35件、政协提案42件。", "oversight.proposals", 77)]
    [InlineData("行政机关负责人出庭应诉12件。", "dispute.head_appearances", 12)]
    [InlineData("评查行政执法案卷80卷，案卷合格率96.5%。", "enforce.case_file_pass_rate", 96.5)]
    [InlineData("全县行政执法人员持证率达100%。", "enforce.certification_rate", 100)]
    [InlineData("法治副校长覆盖全县56所学校。", "pufa.schools_covered", 56)]
    public void Common_wordings_of_the_genre_are_read(string text, string code, double value) =>
        Assert.Contains(ReportExtractor.Default.Extract(text).Proposals, p => p.Code == code && p.Value == value);

    [Fact]
    public void The_five_fixture_reports_are_extracted_with_high_precision_and_recall()
    {
        var (overall, reports) = ExtractionEvaluation.Evaluate(ReportExtractor.Default, Fixtures());
        foreach (var r in reports)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name}: P {r.Precision:0.000} R {r.Recall:0.000} F1 {r.F1:0.000}"));
            foreach (var e in r.Errors)
            {
                output.WriteLine("  " + e);
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overall: P {overall.Precision:0.000} R {overall.Recall:0.000} F1 {overall.F1:0.000} ({overall.TruePositives} right, {overall.FalsePositives} wrong, {overall.Misses} missed)"));
        Assert.True(overall.Precision >= 0.95, $"precision {overall.Precision:0.000}");
        Assert.True(overall.Recall >= 0.85, $"recall {overall.Recall:0.000}");
    }

    [Fact]
    public void Every_evidence_phrase_occurs_verbatim_at_its_offsets()
    {
        foreach (var report in Fixtures())
        {
            foreach (var p in ReportExtractor.Default.Extract(report.Text).Proposals)
            {
                Assert.Equal(p.Evidence, report.Text[p.Start..p.End]);
            }
        }
    }

    [Theory]
    [InlineData("发放宣传资料8.5万余份", 85000, "份")]
    [InlineData("开展活动两次", 2, "次")]
    [InlineData("调解十二件", 12, "件")]
    [InlineData("培训一百二十人", 120, "人")]
    [InlineData("受益群众达7.5万余人次", 75000, "人次")]
    [InlineData("成功率达到99.43%", 99.43, "%")]
    [InlineData("受理纠纷１２件", 12, "件")]
    [InlineData("涉及金额600万余元", 600, "万元")]
    [InlineData("挽回经济损失2150万元", 2150, "万元")]
    [InlineData("接待法律咨询近1733余人次", 1733, "人次")]
    public void Numbers_are_read_as_written(string text, double value, string unit)
    {
        var token = Assert.Single(NumberParser.Find(NormalizedText.From(text).Text));
        Assert.Equal(value, token.Value, 6);
        Assert.Equal(unit, token.Unit);
    }

    [Fact]
    public void Spaces_and_line_breaks_inside_sentences_do_not_hide_a_figure()
    {
        var result = ReportExtractor.Default.Extract("2024 年，行政应诉案件\n\n2 件，均已撤诉。");
        var p = Assert.Single(result.Proposals);
        Assert.Equal(("dispute.litigation_cases", 2.0), (p.Code, p.Value));
        Assert.Equal("行政应诉案件\n\n2 件", p.Evidence);
    }

    [Fact]
    public void Changes_plans_and_narrower_activities_are_not_taken()
    {
        Assert.Empty(ReportExtractor.Default.Extract("受理行政复议案件同比增长100%。").Proposals);
        Assert.Empty(ReportExtractor.Default.Extract("每年组织执法培训不少于4次。").Proposals);
        Assert.Empty(ReportExtractor.Default.Extract("开展《民法典》专项整治法治宣传活动30场次。").Proposals);
    }

    [Theory]
    [InlineData("本年度新增持证执法人员3名。", "enforce.certified_staff")]       // a new part, not the total
    [InlineData("开展干部作风专项检查，发现问题15个，整改问题12项。", "enforce.issues_rectified")] // not enforcement
    [InlineData("举办“宪法进万家”普法专场宣传活动2场。", "pufa.activities")]    // one event
    [InlineData("全市共开展普法宣传活动300场次。", "pufa.activities")]          // another entity's figure
    [InlineData("配合上级开展法治宣传活动5场次。", "pufa.activities")]
    [InlineData("力争全年开展普法宣传活动50场次。", "pufa.activities")]          // a plan
    [InlineData("全县有专职人民调解员45名。", "mediation.mediators")]              // a subset of the mediators
    [InlineData("本年度受理法律援助案件同比增长20件。", "legalaid.cases")]          // a change
    public void Narrower_figures_and_other_entities_figures_are_never_taken_as_the_entity_wide_value(string text, string code) =>
        Assert.DoesNotContain(ReportExtractor.Default.Extract(text).Proposals, p => p.Code == code);

    [Theory]
    [InlineData("三都镇2025年法治政府建设年度报告\n2025年，三都镇坚持依法行政。全县共开展普法宣传活动300场次。", "pufa.activities")]
    [InlineData("2024年，宁安镇始终坚持依法行政。各乡镇受理矛盾纠纷120件。", "mediation.disputes_received")]
    [InlineData("2024年以来，礼让街街道办事处在区委领导下，全区组织集中学法12次。", "study.sessions")]
    public void In_a_townships_report_the_countys_and_all_townships_figures_are_not_the_townships(string text, string code)
    {
        var result = ReportExtractor.Default.Extract(text);
        Assert.Equal(ReportLevel.Township, result.Level);
        Assert.DoesNotContain(result.Proposals, p => p.Code == code);
    }

    [Fact]
    public void A_countys_own_figure_stated_as_全县_stays_the_countys()
    {
        var result = ReportExtractor.Default.Extract("2024年，某县坚持依法行政，全县各乡镇受理矛盾纠纷120件。");
        Assert.Equal(ReportLevel.County, result.Level);
        Assert.Contains(result.Proposals, p => p.Code == "mediation.disputes_received" && p.Value == 120);

        // The caller may say who wrote it (the unit's kind): then the start of the text is not read for it.
        Assert.DoesNotContain(ReportExtractor.Default.Extract("全县受理矛盾纠纷120件。", ReportLevel.Township).Proposals, p => p.Code == "mediation.disputes_received");
    }

    [Fact]
    public void The_level_of_every_labelled_report_is_read_from_its_start()
    {
        foreach (var report in Fixtures().Concat(Fixtures("dev")).Where(r => r.Level == ReportLevel.Township))
        {
            Assert.True(ReportLevels.Detect(NormalizedText.From(report.Text).Text) == ReportLevel.Township, report.Name);
        }

        foreach (var report in Fixtures().Concat(Fixtures("dev")).Where(r => r.Level != ReportLevel.Township))
        {
            Assert.True(ReportLevels.Detect(NormalizedText.From(report.Text).Text) != ReportLevel.Township, report.Name);
        }
    }

    [Fact]
    public void A_part_after_其中_is_not_the_whole_and_the_whole_before_it_is_kept()
    {
        var p = Assert.Single(ReportExtractor.Default.Extract("共受理矛盾纠纷30件，其中受理劳资纠纷12件。").Proposals);
        Assert.Equal(("mediation.disputes_received", 30.0), (p.Code, p.Value));
    }

    [Fact]
    public void Figures_of_one_indicator_in_one_sentence_add_up_when_the_cue_data_says_so()
    {
        var p = Assert.Single(ReportExtractor.Default.Extract("举办习近平法治思想学习宣传讲座8次，开展宪法、民法典等学习讲座5次。").Proposals);
        Assert.Equal(("study.lectures", 13.0), (p.Code, p.Value));
        Assert.Equal([8.0, 5.0], p.Parts);
    }

    [Fact]
    public void A_reported_rate_that_disagrees_with_its_parts_is_a_warning()
    {
        var result = ReportExtractor.Default.Extract("受理各类矛盾纠纷72件，调解成功69件，调解率达95%。");
        Assert.Equal(3, result.Proposals.Count);
        Assert.Contains(result.Warnings, w => w.Contains("95.83", StringComparison.Ordinal));
    }

    [Fact]
    public void A_figure_before_its_cue_is_found_and_qualifiers_that_narrow_an_indicator_exclude_it()
    {
        var after = Assert.Single(ReportExtractor.Default.Extract("全县共有145个人民调解委员会。").Proposals);
        Assert.Equal(("mediation.committees", 145.0, "145个人民调解委员会"), (after.Code, after.Value, after.Evidence));
        Assert.Empty(ReportExtractor.Default.Extract("配备专职人民调解员225人。").Proposals);
        Assert.Single(ReportExtractor.Default.Extract("全县有人民调解员780人。").Proposals);
    }

    [Fact]
    public void A_bare_verb_cue_needs_its_subject_in_the_sentence()
    {
        var p = Assert.Single(ReportExtractor.Default.Extract("共收到行政复议申请39件，受理36件。").Proposals, x => x.Code == "dispute.reconsideration_accepted");
        Assert.Equal(36, p.Value);
        Assert.DoesNotContain(ReportExtractor.Default.Extract("热线共受理36件。").Proposals, x => x.Code == "dispute.reconsideration_accepted");
    }

    [Fact]
    public void Amounts_in_yuan_become_ten_thousand_yuan_as_the_catalog_keeps_them()
    {
        var p = Assert.Single(ReportExtractor.Default.Extract("调解涉及金额600万余元。").Proposals);
        Assert.Equal(("mediation.amount_10k_yuan", 600.0), (p.Code, p.Value));
    }

    [Fact]
    public void The_cue_file_is_checked_against_the_catalog()
    {
        var ex = Assert.Throws<DataFileException>(() => CueBook.Load("""
            version: 1
            indicators:
              - { code: org.nothing, cues: ["甲#"], units: [件] }
              - { code: org.leading_group, cues: ["领导小组#"], units: [个] }
              - { code: legalaid.cases, cues: ["援助#"], units: [斤] }
            """, "cues.yaml", Catalog.IndicatorCatalog.Default));
        Assert.Equal(3, ex.Problems.Count);
    }

    [Fact]
    public void The_entitys_total_wins_over_an_earlier_figure_of_a_single_activity()
    {
        var p = Assert.Single(ReportExtractor.Default.Extract("在宪法宣传周发放宣传资料1000余份。全年共发放宣传资料8.5万余份。").Proposals);
        Assert.Equal(85000, p.Value);
        Assert.Equal("发放宣传资料8.5万余份", p.Evidence);
    }

    [Fact]
    public void A_figure_needs_a_measure_word_that_fits_and_its_cue_in_the_same_clause()
    {
        Assert.DoesNotContain(ReportExtractor.Default.Extract("受理矛盾纠纷的调解员72人。").Proposals, p => p.Code == "mediation.disputes_received");
        Assert.Empty(ReportExtractor.Default.Extract("受理矛盾纠纷。72件均已办结。").Proposals);
        Assert.Empty(ReportExtractor.Default.Extract("受理矛盾纠纷，其余72件转办。").Proposals);
    }
}
