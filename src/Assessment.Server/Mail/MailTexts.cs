using System.Globalization;
using System.Text.Json;

namespace Assessment.Server.Mail;

/// <summary>What a person reads in a mail about an event: a Chinese subject and a plain-text body with the link to act on.</summary>
public static class MailTexts
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    public static (string Subject, string Body) Render(string kind, string toName, string data, string workbenchUrl)
    {
        using var document = JsonDocument.Parse(data);
        var d = document.RootElement;
        string Text(string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var year = d.TryGetProperty("year", out var y) && y.TryGetInt32(out var n) ? n.ToString(CultureInfo.InvariantCulture) : "";
        var at = DateTimeOffset.TryParse(Text("at"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var when)
            ? when.ToOffset(Beijing).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "（北京时间）"
            : "";
        var url = workbenchUrl.TrimEnd('/');
        var footer = "\n\n本邮件由法治政府建设考核平台自动发送，请勿直接回复。";
        return kind switch
        {
            "county.returned" => (
                $"【法治政府建设考核】{year} 年度考核数据已被退回",
                $"{toName}：\n\n贵县（区）{year} 年度法治政府建设考核数据已被考核办退回，请按退回理由修改后重新上报。\n\n"
                + $"退回理由：{Text("reason")}\n退回人：{Text("actor")}\n时间：{at}\n"
                + (url.Length > 0 ? $"\n请登录工作台处理：{url}/{year}/form" : "") + footer),
            "deadline.approaching" or "deadline.passed" => (
                kind == "deadline.approaching" ? $"【法治政府建设考核】{year} 年度考核数据填报即将截止" : $"【法治政府建设考核】{year} 年度考核数据填报已逾期",
                $"{toName}：\n\n{year} 年度法治政府建设考核数据填报{(kind == "deadline.approaching" ? "即将截止" : "已过截止时间")}，贵县（区）尚有单位未填报。"
                + "请尽快登录工作台填报并由县（区）上报。\n"
                + (url.Length > 0 ? $"\n工作台：{url}/{year}/form" : "") + footer),
            "bulletin.issued" or "bulletin.corrected" => (
                kind == "bulletin.issued" ? $"【法治政府建设考核】{year} 年度考核结果通报已印发" : $"【法治政府建设考核】{year} 年度考核结果更正通报已印发",
                $"{toName}：\n\n{year} 年度法治政府建设考核结果{(kind == "bulletin.issued" ? "通报" : "更正通报")}已印发（{Text("detail")}）。\n"
                + (url.Length > 0 ? $"\n请登录工作台查阅：{url}/bulletins" : "") + footer),
            _ => ($"【法治政府建设考核】{kind}", $"{toName}：\n\n{data}{footer}"),
        };
    }
}
