using Assessment.Domain.Catalog;
using Assessment.Domain.Workflow;

namespace Assessment.Domain.Tests;

/// <summary>An audit entry reads in Chinese wherever a person sees it, for entries written before and after the change.</summary>
public class AuditWordsTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    [Fact]
    public void Every_workflow_state_role_and_action_has_a_Chinese_name()
    {
        foreach (var state in Enum.GetNames<RoundPhase>().Concat(Enum.GetNames<CountyStatus>()))
        {
            Assert.Matches("^[\u4e00-\u9fff，]+$", AuditWords.Value(state, Catalog));
            Assert.Equal(AuditWords.Value(state, Catalog), WorkflowNames.Named(state.ToLowerInvariant())); // one wording, by either name
        }

        foreach (var role in new[] { "Assessor", "Leader", "TenantAdmin", "County", "Unit", "Operator" })
        {
            Assert.Equal($"张三（{AuditWords.Role(role)}）", AuditWords.Actor($"张三（{role}）"));
            Assert.Matches("^[\u4e00-\u9fff（）]+$", AuditWords.Role(role));
            Assert.Equal($"李四（{AuditWords.Role(role)}，批量导入）", AuditWords.Actor($"李四（{role}，批量导入）"));
        }

        foreach (var action in new[] { "submit_for_review", "return", "approve", "extend", "adjust", "adjust_revise", "adjust_withdraw", "submission", "assessor_entry", "round_open", "round_close", "round_publish" })
        {
            Assert.Matches("^[\u4e00-\u9fff]+$", AuditWords.Action(action));
        }
    }

    [Fact]
    public void A_state_that_leads_a_change_and_every_subject_read_in_chinese()
    {
        foreach (var phase in Enum.GetValues<RoundPhase>())
        {
            var read = AuditWords.Value($"{phase} default@3，填报截止 2025-03-01 18:00", Catalog);
            Assert.Equal($"{WorkflowNames.Phase(phase)} default@3，填报截止 2025-03-01 18:00", read);
        }

        Assert.Equal("年度考核", AuditWords.Subject("round"));
        Assert.Equal("审核状态", AuditWords.Subject("status"));
        Assert.Equal("填报截止时间", AuditWords.Subject("deadline"));
        Assert.Equal("sfj 第 12 版", AuditWords.Subject("sfj@12"));
        Assert.Equal("adj-1", AuditWords.Subject("adj-1"));
        Assert.Equal("a@b", AuditWords.Subject("a@b"));
    }

    [Fact]
    public void Changed_values_read_by_indicator_name_for_every_indicator_of_the_catalog()
    {
        // Generated from the catalog: every indicator in a diff as the chain stores it (code=value, 未填报 when absent).
        var random = new Random(7);
        foreach (var chunk in Catalog.Indicators.Chunk(5))
        {
            var stored = string.Join("; ", chunk.Select(i => random.Next(4) == 0 ? $"{i.Code}=未填报"
                : $"{i.Code}={(i.Kind == IndicatorKind.Flag ? random.Next(2) : Math.Round(random.NextDouble() * 1000, i.Kind == IndicatorKind.Count ? 0 : 2)).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
            var read = AuditWords.Value(stored, Catalog);
            foreach (var indicator in chunk)
            {
                Assert.Contains(indicator.Name, read, StringComparison.Ordinal);
                Assert.DoesNotContain(indicator.Code, read, StringComparison.Ordinal);
            }
        }

        Assert.Equal("受理矛盾纠纷件数 114；调解成功率 95%", AuditWords.Value("mediation.disputes_received=114; mediation.success_rate=95", Catalog));
    }

    [Fact]
    public void A_form_label_names_its_unit_once_for_every_indicator()
    {
        foreach (var indicator in Catalog.Indicators.Where(i => i.Unit is not null))
        {
            var label = Indicator.Labelled(indicator.Name, indicator.Unit);
            Assert.EndsWith($"（{indicator.Unit}）", label, StringComparison.Ordinal);
            Assert.DoesNotContain($"（{indicator.Unit}）（{indicator.Unit}）", label, StringComparison.Ordinal);
        }

        Assert.Equal("法治工作经费（万元）", Indicator.Labelled("法治工作经费（万元）", "万元"));
        Assert.Equal("人均学法学时（h）", Indicator.Labelled("人均学法学时", "h"));
    }
}
