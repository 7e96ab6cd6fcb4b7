using Assessment.Domain.Catalog;
using Assessment.Domain.Validation;

namespace Assessment.Domain.Tests;

public class ValidationTests
{
    private readonly SubmissionValidator _validator = new(IndicatorCatalog.Default);

    private IReadOnlyList<FieldViolation> Validate(params SubmittedValue[] values) => _validator.Validate(values, IndicatorSource.Unit);

    [Fact]
    public void Good_values_pass()
    {
        Assert.Empty(Validate(
            new("mediation.disputes_received", 72),
            new("mediation.disputes_resolved", 69),
            new("mediation.amount_10k_yuan", 600.5),
            new("legalaid.cases", null)));
    }

    [Fact]
    public void Each_bad_value_gets_its_own_field_violation()
    {
        var violations = Validate(
            new("mediation.disputes_received", -1),
            new("mediation.mediators", double.NaN),
            new("no.such_code", 1),
            new("legalaid.cases", 3),
            new("legalaid.cases", 4),
            new("pufa.materials", 2.5),
            new("mediation.success_rate", 101),
            new("mediation.amount_10k_yuan", double.PositiveInfinity));

        Assert.Equal(
            ["values[0].value", "values[1].value", "values[2].code", "values[4].code", "values[5].value", "values[6].code", "values[7].value"],
            violations.Select(v => v.Field).ToArray());
        Assert.Contains("不能为负数", violations[0].Description, StringComparison.Ordinal);
        Assert.Contains("NaN", violations[1].Description, StringComparison.Ordinal);
        Assert.Contains("重复", violations[3].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void No_submitter_may_send_a_rate_the_platform_computes_and_the_refusal_names_its_parts()
    {
        // Every computed rate of the catalog, from every kind of submitter: refused on its code, naming both parts.
        var catalog = IndicatorCatalog.Default;
        var rates = catalog.Indicators.Where(i => i.IsComputedRate).ToList();
        Assert.NotEmpty(rates);
        foreach (var rate in rates)
        {
            foreach (var submitter in Enum.GetValues<IndicatorSource>())
            {
                var v = Assert.Single(_validator.Validate([new(rate.Code, 50)], submitter));
                Assert.Equal("values[0].code", v.Field);
                Assert.Contains(catalog[rate.Numerator!].Name, v.Description, StringComparison.Ordinal);
                Assert.Contains(catalog[rate.Denominator!].Name, v.Description, StringComparison.Ordinal);
                Assert.Contains("由平台", v.Description, StringComparison.Ordinal);
            }

            Assert.False(rate.AcceptsFrom(IndicatorSource.Unit) || rate.AcceptsFrom(IndicatorSource.County));
        }
    }

    [Fact]
    public void A_mistyped_code_gets_a_did_you_mean_for_every_indicator_of_the_submitter()
    {
        // Generated: every unit indicator's code with one letter dropped, doubled or two swapped.
        var random = new Random(30);
        foreach (var indicator in IndicatorCatalog.Default.Indicators.Where(i => i.AcceptsFrom(IndicatorSource.Unit)))
        {
            var code = indicator.Code;
            var i = 1 + random.Next(code.Length - 2);
            var typo = random.Next(3) switch
            {
                0 => code.Remove(i, 1),
                1 => code.Insert(i, code[i].ToString()),
                _ => string.Concat(code[..i], code[i + 1], code[i], code[(i + 2)..]),
            };
            if (typo == code)
            {
                continue;
            }

            var v = Assert.Single(Validate(new SubmittedValue(typo, 1)));
            Assert.Contains("您是否要填报", v.Description, StringComparison.Ordinal);
            Assert.Contains(code, v.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_numerator_above_its_denominator_is_rejected_on_the_numerator()
    {
        var violations = Validate(new("enforce.issues_found", 3), new("enforce.issues_rectified", 4));
        var v = Assert.Single(violations);
        Assert.Equal("values[1].value", v.Field);
        Assert.Contains("不能大于", v.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Units_cannot_submit_county_or_assessor_indicators()
    {
        var violations = Validate(new("org.leading_group", 1), new("satisfaction.survey_score", 90));
        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.EndsWith(".code", v.Field, StringComparison.Ordinal));
        Assert.Empty(_validator.Validate([new("org.leading_group", 1)], IndicatorSource.County));
    }

    [Fact]
    public void Flags_are_one_or_zero_and_submissions_have_one_to_five_hundred_values()
    {
        Assert.Single(_validator.Validate([new("org.leading_group", 2)], IndicatorSource.County));
        Assert.Equal("values", Assert.Single(Validate()).Field);
    }

    [Fact]
    public void A_reported_rate_off_by_more_than_half_a_point_and_broken_part_orders_are_warnings()
    {
        var warnings = ConsistencyWarnings.Check(IndicatorCatalog.Default, new Dictionary<string, double>
        {
            ["mediation.disputes_received"] = 72,
            ["mediation.disputes_resolved"] = 69,
            ["mediation.success_rate"] = 95,       // computed 95.83: 0.83 points off
            ["enforce.staff_total"] = 200,
            ["enforce.certified_staff"] = 199,
            ["enforce.certification_rate"] = 99.6, // computed 99.5: within 0.5
            ["dispute.litigation_concluded"] = 2,
            ["dispute.litigation_lost"] = 3,
        });

        Assert.Equal(["mediation.success_rate", "dispute.litigation_lost"], warnings.Select(w => w.Code));
        Assert.Contains("计算为 95.83%", warnings[0].Message, StringComparison.Ordinal);
    }
}
