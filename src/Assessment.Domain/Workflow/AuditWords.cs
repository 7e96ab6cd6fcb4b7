using System.Globalization;
using System.Text;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Workflow;

/// <summary>
/// An audit entry in the words a person reads (web, CLI, exports): actions, workflow states and roles in Chinese,
/// changed values by indicator name. The chain itself keeps the stored text unchanged (it is hashed as written);
/// only its reading is translated, so old entries read the same way as new ones.
/// </summary>
public static class AuditWords
{
    /// <summary>A role's Chinese name ("Assessor" → 考核办); an unknown name as it is.</summary>
    public static string Role(string role) => RoleNames.Of(role);

    /// <summary>"张三（Assessor）" → "张三（考核办）", also inside "（Assessor，批量导入）".</summary>
    public static string Actor(string actor)
    {
        var open = actor.LastIndexOf('（');
        if (open < 0 || !actor.EndsWith('）'))
        {
            return actor;
        }

        var inside = actor[(open + 1)..^1];
        var comma = inside.IndexOf('，', StringComparison.Ordinal);
        var role = comma < 0 ? inside : inside[..comma];
        var name = RoleNames.Of(role);
        return name != role ? $"{actor[..(open + 1)]}{name}{(comma < 0 ? "" : inside[comma..])}）" : actor;
    }

    /// <summary>What an action is called.</summary>
    public static string Action(string action) => action switch
    {
        "submit_for_review" => "上报",
        "return" => "退回",
        "approve" => "审核通过",
        "extend" => "延期",
        "adjust" => "核查调整",
        "adjust_revise" => "修改核查调整",
        "adjust_withdraw" => "撤回核查调整",
        "submission" => "单位报送数据",
        "assessor_entry" => "考核办录入数据",
        "panel_review" => "考核组复核确认",
        "round_open" => "开启考核",
        "round_close" => "截止填报",
        "round_publish" => "发布结果",
        "repin_scheme" => "更换评分细则",
        "repin_catalog" => "更换指标目录版本",
        "evidence_add" => "上传佐证材料",
        "evidence_remove" => "撤下佐证材料",
        "materials_review" => "查阅资料",
        _ when action.StartsWith("round_", StringComparison.Ordinal) => "轮次状态变更",
        _ => action,
    };

    /// <summary>What an entry is about, in words: the round, the county's status or deadline, a unit's version.</summary>
    public static string Subject(string subject) => subject switch
    {
        "round" => "年度考核",
        "status" => "审核状态",
        "deadline" => "填报截止时间",
        _ when subject.LastIndexOf('@') is var at and > 0
            && int.TryParse(subject.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) => $"{subject[..at]} 第 {version} 版",
        _ => subject,
    };

    /// <summary>
    /// A before or after text: a workflow state by its Chinese name; a list of <c>code=value</c> (a submission's changed
    /// values) by indicator name, value and unit; anything else as it is.
    /// </summary>
    public static string Value(string? text, IndicatorCatalog catalog)
    {
        if (text is null)
        {
            return "—";
        }

        if (WorkflowNames.Named(text) is { } state)
        {
            return state;
        }

        // A state followed by what came with it ("Open default@1，填报截止 …" of a round's change).
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && WorkflowNames.Named(text[..space]) is { } leading)
        {
            return leading + text[space..];
        }

        if (!text.Contains('=', StringComparison.Ordinal))
        {
            return text;
        }

        var words = new StringBuilder(text.Length * 2);
        foreach (var pair in text.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            if (words.Length > 0)
            {
                words.Append('；');
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0 || !catalog.TryGet(pair[..equals], out var indicator))
            {
                words.Append(pair);
                continue;
            }

            words.Append(indicator.Name).Append(' ').Append(Amount(indicator, pair[(equals + 1)..]));
        }

        return words.ToString();
    }

    private static string Amount(Indicator indicator, string value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return value; // 未填报
        }

        return indicator.Kind switch
        {
            IndicatorKind.Flag => number == 1 ? "是" : "否",
            IndicatorKind.Rate => number.ToString("0.##", CultureInfo.InvariantCulture) + "%",
            _ => number.ToString("0.####", CultureInfo.InvariantCulture) + (indicator.Unit ?? ""),
        };
    }
}
