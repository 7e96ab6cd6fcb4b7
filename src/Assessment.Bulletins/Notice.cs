using System.Globalization;
using Assessment.Domain.Scoring;
using Scriban.Runtime;

namespace Assessment.Bulletins;

/// <summary>
/// What a 考核通知 says: who issues it to whom, its 文号 and date, the year's scheme and deadlines, and the 细则 as its
/// 附件 (or, for a 更正通知, the notice it corrects).
/// </summary>
public sealed record NoticeInput(
    string Issuer,
    string DocumentNumber,
    string Recipients,
    int Year,
    DateOnly IssuedOn,
    string SchemeName,
    int Counties,
    DateTimeOffset SubmissionDeadline,
    DateTimeOffset? ReviewDeadline,
    IReadOnlyList<(string Name, double Weight)> Dimensions,
    IReadOnlyList<SchemeTableRow> Rows,
    IReadOnlyList<string> Grades,
    IReadOnlyDictionary<string, int> Methods,
    double BonusCap,
    IReadOnlyList<string> Vetoes,
    BulletinSettings Settings)
{
    /// <summary>The notice a 更正通知 corrects.</summary>
    public BulletinCorrection? Correction { get; init; }

    /// <summary>The title of a year's 考核通知.</summary>
    public static string NoticeTitle(int year) => $"关于开展{year}年度法治政府建设考核工作的通知";
}

/// <summary>Turns notice input into the Scriban model: the sentences are made here, the template lays them out.</summary>
internal static class NoticeModel
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ScriptObject Build(NoticeInput input)
    {
        var year = input.Year.ToString(Inv);
        var annex = $"{year}年度法治政府建设考核评分细则";
        var methods = string.Join("、", input.Methods.Where(m => m.Value > 0).Select(m => $"{m.Key} {m.Value} 项"));
        var body = new List<string>
        {
            $"为推进法治政府建设，{input.Issuer}决定开展{year}年度法治政府建设考核工作。现将有关事项通知如下。",
        };
        var sections = new List<(string Heading, IReadOnlyList<string> Paragraphs)>
        {
            ("一、考核对象", [$"{input.Recipients}（共 {input.Counties} 个）。"]),
            ("二、考核内容", [
                $"考核依据《{input.SchemeName}》（见附件），满分 100 分，设一级指标 {input.Dimensions.Count} 项：" +
                string.Join("，", input.Dimensions.Select(d => $"{d.Name}（{F(d.Weight)} 分）")) + "。" +
                $"三级指标 {input.Rows.Count(r => r.Points.Length > 0)} 项，每项的分值、评分标准和考核方式见附件。" +
                (input.BonusCap > 0 ? $"另设加分项，加分合计不超过 {F(input.BonusCap)} 分。" : "") +
                (input.Vetoes.Count > 0 ? $"有{string.Join("、", input.Vetoes)}情形的，实行一票否决。" : ""),
                $"考核结果分为{string.Join("、", input.Grades)}等次。"]),
            ("三、考核方式", [
                "考核采取单位填报、县级审核上报、市级复核评分相结合的方式进行" + (methods.Length > 0 ? $"，其中{methods}" : "") + "。各单位通过考核平台填报数据，县（区）审核汇总后上报。"]),
            ("四、时间安排", [
                $"各县（区）于{Local(input.SubmissionDeadline)}前完成数据填报和上报" +
                (input.ReviewDeadline is { } review ? $"，{input.Issuer}于{Local(review)}前完成审核评分" : "") + "。"]),
            ("五、有关要求", ["各县（区）要高度重视，明确专人负责，如实填报数据、留存佐证材料，对数据的真实性负责。逾期未报的，相关指标按细则计分。"]),
        };

        var model = new ScriptObject
        {
            ["style"] = BulletinRenderer.DocumentStyle,
            ["issuer"] = input.Issuer,
            ["masthead_size"] = Math.Clamp(Math.Floor(430.0 / Math.Max(1, input.Issuer.Length)), 16, 36).ToString(Inv),
            ["doc_number"] = input.DocumentNumber,
            ["recipients"] = input.Recipients,
            ["year"] = year,
            ["opening"] = new ScriptArray(body),
            ["sections"] = new ScriptArray(sections.Select(s => (object)new ScriptObject { ["heading"] = s.Heading, ["paragraphs"] = new ScriptArray(s.Paragraphs) })),
            ["annex"] = annex,
            ["issued_on"] = BulletinModel.Date(input.IssuedOn),
            ["printed_on"] = BulletinModel.Date(input.IssuedOn) + "印发",
            ["printer"] = input.Settings.Printer.Length > 0 ? input.Settings.Printer : input.Issuer,
            ["copy_to"] = input.Settings.CopyTo,
            ["disclosure"] = input.Settings.Public ? "（此件公开发布）" : "（此件不公开）",
            ["rows"] = BulletinModel.SchemeRows(input.Rows),
        };
        if (input.Correction is { } corrected)
        {
            model["title"] = $"关于更正《{corrected.Title}》的通知";
            model["correction"] = new ScriptObject
            {
                ["number"] = corrected.Number,
                ["title"] = corrected.Title,
                ["issued_on"] = BulletinModel.Date(corrected.IssuedOn),
                ["reason"] = corrected.Reason,
            };
        }
        else
        {
            model["title"] = NoticeInput.NoticeTitle(input.Year);
            model["correction"] = null;
        }

        return model;
    }

    private static string F(double value) => value.ToString("0.##", Inv);

    private static string Local(DateTimeOffset at)
    {
        var local = at.ToOffset(TimeSpan.FromHours(8));
        return $"{local.Year}年{local.Month}月{local.Day}日{local:HH:mm}";
    }
}
