using System.Diagnostics;
using System.Text;
using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Domain.Keys;
using Assessment.Domain.Scoring;
using Assessment.Domain.Validation;
using Assessment.Domain.Workflow;

namespace Assessment.Domain.Tests;

/// <summary>Inputs that once ended the process, passed a check they should not have, or lost precision.</summary>
public class HardeningTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static DataFileException LoadFails(string yaml, out TimeSpan took)
    {
        var started = Stopwatch.GetTimestamp();
        var ex = Assert.Throws<DataFileException>(() => SchemeLoader.Load(yaml, "hostile.yaml", Catalog));
        took = Stopwatch.GetElapsedTime(started);
        return ex;
    }

    [Fact]
    public void A_scheme_nested_60000_deep_is_refused_by_its_limit_without_recursing()
    {
        // 120 KB, under the 200 KiB scheme limit; parsing it into a tree overflowed the stack and ended the process.
        var yaml = "code: x\nversion: 1\nname: x\ndimensions: " + new string('[', 60_000) + new string(']', 60_000);
        var ex = LoadFails(yaml, out _);
        Assert.Contains("嵌套超过 64 层", Assert.Single(ex.Problems));
    }

    [Fact]
    public void A_billion_laughs_scheme_is_refused_at_its_first_anchor()
    {
        var yaml = new StringBuilder("code: x\nversion: 1\nname: x\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            yaml.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        var ex = LoadFails(yaml.ToString(), out _);
        Assert.Contains("第 4 行：不接受 YAML 锚点（&a0）", Assert.Single(ex.Problems));
    }

    [Fact]
    public void Node_count_scalar_length_and_extra_documents_are_bounded()
    {
        var many = "code: x\nlist: [" + string.Join(',', Enumerable.Repeat("1", 25_000)) + "]\n";
        Assert.Contains("节点超过 20000 个", Assert.Single(LoadFails(many, out _).Problems));
        var longValue = "code: x\nname: " + new string('长', 20_001) + "\n";
        Assert.Contains("超过 20000 个字符", Assert.Single(LoadFails(longValue, out _).Problems));
        Assert.Contains("只能包含 1 个 YAML 文档", Assert.Single(LoadFails("code: x\n---\ncode: y\n", out _).Problems));
    }

    [Fact]
    public void The_shipped_scheme_and_catalog_are_well_inside_the_limits()
    {
        Assert.Null(YamlLimits.Default.Check(EmbeddedData.Read("default-scheme.yaml")));
        Assert.Null(YamlLimits.Default.Check(EmbeddedData.Read("catalog.yaml")));
        Assert.Null(YamlLimits.Default.Check(EmbeddedData.Read("cues.yaml")));
    }

    [Fact]
    public void A_seed_file_may_describe_a_country_but_not_expand_aliases_or_nest_deeply()
    {
        var country = "counties:\n" + string.Concat(Enumerable.Range(0, 30_000).Select(i => $"  - {{ id: c{i}, name: 县{i} }}\n"));
        Assert.Null(YamlLimits.Seed.Check(country)); // 90,000 nodes: over the scheme limit, a normal seed
        Assert.NotNull(YamlLimits.Default.Check(country));
        Assert.Contains("嵌套", YamlLimits.Seed.Check(new string('[', 100) + new string(']', 100)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("suo\n")]
    [InlineData("suo\r\n")]
    [InlineData("\nsuo")]
    [InlineData("x\n")]
    public void A_slug_with_a_line_break_is_not_a_slug(string text) => Assert.False(Slug.IsValid(text));

    [Fact]
    public void A_name_of_one_letter_and_ten_thousand_combining_marks_is_refused()
    {
        var name = "a" + new string('\u0301', 10_000);
        Assert.NotNull(DisplayName.Check(name).Problem);
        Assert.Null(DisplayName.Check("那曲市色尼区司法局").Problem);
        Assert.Null(DisplayName.Check("e\u0301").Problem); // NFC makes it one character
    }

    [Theory]
    [InlineData("备注\0")]
    [InlineData("理由\u202Eexe.txt")]
    [InlineData("理由\u2066隔离\u2069")]
    [InlineData("响铃\u0007")]
    public void Notes_and_reasons_refuse_controls_bidi_and_unpaired_surrogates(string text)
    {
        Assert.NotNull(FreeText.Problem(text, 2000));
        Assert.NotNull(WorkflowText.Reason(text));
        var note = new SubmissionValidator(Catalog).Validate([new SubmittedValue("legalaid.cases", 1, text)], IndicatorSource.Unit);
        Assert.Equal("values[0].note", Assert.Single(note).Field);
    }

    [Fact]
    public void Unpaired_surrogates_are_refused_wherever_people_write()
    {
        // Built here: test runners replace lone surrogates in theory data.
        foreach (var text in new[] { "坏" + (char)0xD800 + "字", ((char)0xDC00).ToString(), "末尾" + (char)0xD83D })
        {
            Assert.NotNull(FreeText.Problem(text, 2000));
            Assert.NotNull(WorkflowText.Reason(text));
            Assert.NotNull(DisplayName.Check("名" + text).Problem);
        }
    }

    [Fact]
    public void Line_breaks_tabs_and_emoji_stay_and_length_counts_code_points()
    {
        Assert.Null(FreeText.Problem("第一行\n第二行\t😀", 2000));
        Assert.Null(FreeText.Problem(string.Concat(Enumerable.Repeat("😀", 2000)), 2000));
        Assert.NotNull(FreeText.Problem(string.Concat(Enumerable.Repeat("😀", 2001)), 2000));
        Assert.Equal("evidence", Assert.Single(WorkflowText.Adjustment(Catalog, "org", -1, "核查发现", "依据\u202E")).Field);
        Assert.Empty(WorkflowText.Adjustment(Catalog, "org", -1, "核查发现", "文件"));
    }

    [Fact]
    public void An_amount_aggregates_to_exactly_what_the_unit_sent()
    {
        var cells = new Dictionary<string, AggregateCell>();
        var value = new Dictionary<string, double> { ["mediation.amount_10k_yuan"] = 123456789012.34 };
        CountyAggregate.Apply(Catalog, cells, new Dictionary<string, double>(), value);
        Assert.Equal(123456789012.34m, cells["mediation.amount_10k_yuan"].Sum);
        Assert.Equal(123456789012.34, CountyAggregate.Values(Catalog, cells)["mediation.amount_10k_yuan"]);

        CountyAggregate.Apply(Catalog, cells, new Dictionary<string, double>(), new Dictionary<string, double> { ["mediation.amount_10k_yuan"] = 999999999999.99 });
        Assert.Equal(1123456789012.33m, cells["mediation.amount_10k_yuan"].Sum);
    }

    [Fact]
    public void Amounts_carry_at_most_two_decimals_and_minus_zero_is_zero()
    {
        var validator = new SubmissionValidator(Catalog);
        Assert.Empty(validator.Validate([new SubmittedValue("mediation.amount_10k_yuan", 123456789012.34)], IndicatorSource.Unit));
        Assert.Contains("2 位小数", Assert.Single(validator.Validate([new SubmittedValue("mediation.amount_10k_yuan", 0.125)], IndicatorSource.Unit)).Description);
        Assert.Empty(validator.Validate([new SubmittedValue("mediation.amount_10k_yuan", -0.0)], IndicatorSource.Unit));
        Assert.Empty(validator.Validate([new SubmittedValue("mediation.amount_10k_yuan", 3 * 0.1)], IndicatorSource.Unit)); // 0.30000000000000004
        var amount = Catalog.Indicators.First(i => i.Code == "mediation.amount_10k_yuan");
        Assert.Equal(0.3, SubmissionValidator.Normalize(amount, 3 * 0.1));
        Assert.False(double.IsNegative(SubmissionValidator.Normalize(amount, -0.0)));
        Assert.False(double.IsNegative(SubmissionValidator.Normalize(null, -0.0)));
    }

    [Fact]
    public void An_amount_with_any_real_digit_past_the_second_decimal_is_refused_at_every_magnitude()
    {
        // Generated: amounts from 0.01 to 10¹² with one to six further non-zero digits are refused (the old relative
        // tolerance let 1000000.0004 through and stored 1000000); the same amounts at two decimals, and with binary
        // noise of a unit in the last place, are accepted and stored as their two-decimal value.
        var validator = new SubmissionValidator(Catalog);
        var amount = Catalog.Indicators.First(i => i.Code == "mediation.amount_10k_yuan");
        var random = new Random(20261206);
        var checkedRefusals = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var cents = (long)(Math.Pow(10, random.NextDouble() * 14) * (random.Next(2) == 0 ? 1 : 0.999));
            var exact = Math.Min(cents / 100m, (decimal)SubmissionValidator.MaxAmount - 1);
            var extraDigits = 1 + random.Next(6);
            var extra = (1 + random.Next(9)) / (decimal)Math.Pow(10, 2 + extraDigits);
            var sent = (double)(exact + extra);
            var ulp = Math.BitIncrement(Math.Abs(sent)) - Math.Abs(sent);
            if (Math.Abs(sent - (double)exact) <= 4 * ulp)
            {
                continue; // past a double's precision at this magnitude: the extra digit cannot even be sent
            }

            checkedRefusals++;
            var refused = Assert.Single(validator.Validate([new SubmittedValue(amount.Code, sent)], IndicatorSource.Unit));
            Assert.Contains("2 位小数", refused.Description, StringComparison.Ordinal);

            var plain = (double)exact;
            Assert.Empty(validator.Validate([new SubmittedValue(amount.Code, plain)], IndicatorSource.Unit));
            var noisy = Math.BitIncrement(plain);
            Assert.Empty(validator.Validate([new SubmittedValue(amount.Code, noisy)], IndicatorSource.Unit));
            Assert.Equal(plain, SubmissionValidator.Normalize(amount, noisy));
        }

        Assert.True(checkedRefusals > 1_500, $"only {checkedRefusals} refusals were representable");
        Assert.Single(validator.Validate([new SubmittedValue(amount.Code, 1_000_000.0004)], IndicatorSource.Unit));
    }

    [Theory]
    [InlineData(CountyStatus.Collecting, false, null)]
    [InlineData(CountyStatus.Returned, false, null)]
    [InlineData(CountyStatus.Submitted, false, LockReasons.CountySubmitted)]
    [InlineData(CountyStatus.Submitted, true, null)]
    [InlineData(CountyStatus.Reviewed, false, LockReasons.CountyReviewed)]
    [InlineData(CountyStatus.Reviewed, true, LockReasons.CountyReviewed)]
    [InlineData(CountyStatus.Published, false, LockReasons.RoundPublished)]
    public void A_change_admitted_earlier_lands_only_where_figures_may_still_change(CountyStatus status, bool assessor, string? refusedBy)
    {
        // The deadline has passed: a change admitted before it still lands while the county is collecting.
        var context = new CountyContext(RoundPhase.Open, status, DateTimeOffset.UnixEpoch, null, DateTimeOffset.UtcNow);
        Assert.Equal(refusedBy, CountyWorkflow.CheckLanding(assessor, context)?.Reason);
    }
}
