using System.CommandLine;
using System.Globalization;
using System.Text;
using Assessment.Contracts.V1;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess export ranking|scores|values|completeness|audit --year Y --format xlsx|csv -o FILE</c>: what assessors put
/// into their own spreadsheets — Chinese headers, numbers as numbers, the header row frozen; CSV as UTF-8 with a BOM so
/// Excel opens it in the right encoding.
/// </summary>
public static class ExportCommand
{
    private sealed record Sheet(string Name, string[] Headers, List<object?[]> Rows);

    public static Command Create()
    {
        var what = new Argument<string>("WHAT") { Description = "ranking（排名）、scores（得分明细及说明）、values（汇总数值）、completeness（填报完整性）或 audit（审计记录）" };
        what.AcceptOnlyFromAmong("ranking", "scores", "values", "completeness", "audit");
        var year = new Option<int>("--year") { Description = "考核年度", Required = true };
        var format = new Option<string>("--format") { Description = "xlsx（默认）或 csv", DefaultValueFactory = _ => "xlsx" };
        format.AcceptOnlyFromAmong("xlsx", "csv");
        var output = new Option<FileInfo>("-o", "--output") { Description = "输出文件", Required = true };
        var command = new Command("export", "导出为 Excel 或 CSV（中文表头，数值为数字）") { what, year, format, output };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            Sheet sheet;
            using (channel)
            {
                var client = new AssessmentService.AssessmentServiceClient(channel);
                var y = parse.GetValue(year);
                sheet = parse.GetValue(what) switch
                {
                    "ranking" => Ranking(await client.GetRankingAsync(new GetRankingRequest { Year = y }, options)),
                    var kind => await PerCountyAsync(kind!, client, y, options, kind == "audit" ? await TenantCatalog.FetchAsync(channel, options, y) : null),
                };
            }

            var file = parse.GetValue(output)!;
            if (parse.GetValue(format) == "csv")
            {
                await File.WriteAllTextAsync(file.FullName, Csv(sheet), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), ct);
            }
            else
            {
                Xlsx(sheet, file.FullName);
            }

            Console.WriteLine($"已导出 {sheet.Rows.Count} 行到 {file.FullName}");
            return 0;
        });
        return command;
    }

    private static Sheet Ranking(Ranking ranking)
    {
        var rows = ranking.Entries.Select(e => (object?[])[
            e.Rank, e.Name, .. e.Dimensions.Select(d => (object?)d.Points), e.Total, e.Grade,
            e.HasPreviousRank ? RankingCommand.Change(e.PreviousRank - e.Rank) : "—"]).ToList();
        return new Sheet("排名", ["排名", "县（区）", .. ranking.Dimensions.Select(d => d.Name), "总分", "等次", "较上年"], rows);
    }

    private static async Task<Sheet> PerCountyAsync(string kind, AssessmentService.AssessmentServiceClient client, int year, Grpc.Core.CallOptions options,
        Domain.Catalog.IndicatorCatalog? catalog)
    {
        var round = await client.GetRankingAsync(new GetRankingRequest { Year = year }, options);
        var rows = new List<object?[]>();
        await LongWork.ForEachAsync(round.Entries, $"读取 {round.Entries.Count} 个县（区）", async entry =>
        {
            if (kind == "audit")
            {
                var token = "";
                do
                {
                    var page = await client.ListAuditAsync(new ListAuditRequest { Year = year, County = entry.County, PageSize = 1000, PageToken = token }, options);
                    rows.AddRange(page.Entries.Select(a => (object?[])[entry.Name, a.Index, Readable(a.Body, catalog!), a.Body, a.Hash]));
                    token = page.NextPageToken;
                }
                while (token.Length > 0);
                return;
            }

            var county = await client.GetCountyAsync(new GetCountyRequest { Year = year, County = entry.County }, options);
            switch (kind)
            {
                case "values":
                    rows.AddRange(county.Values.Select(v => (object?[])[county.Name, v.Code, v.Name, v.Value, v.Reporters]));
                    break;
                case "scores":
                    rows.AddRange(county.Dimensions.SelectMany(d => d.Lines.Select(l => (object?[])[county.Name, d.Name, l.Name, l.Rule, l.Points, l.Max, l.Explanation])));
                    break;
                default:
                    rows.AddRange(county.Workflow.Completeness.Units.Select(u => (object?[])[county.Name, u.Name, u.Version, u.LastStoredAt is null ? "" : BeijingTime.Format(u.LastStoredAt), u.Late ? "是" : "否", u.MissingValues]));
                    break;
            }
        });

        return kind switch
        {
            "audit" => new Sheet("审计记录", ["县（区）", "序号", "记录", "原文（校验用）", "哈希"], rows),
            "values" => new Sheet("汇总数值", ["县（区）", "指标代码", "指标名称", "数值", "填报单位数"], rows),
            "scores" => new Sheet("得分明细", ["县（区）", "一级指标", "指标", "规则", "得分", "满分", "说明"], rows),
            _ => new Sheet("填报完整性", ["县（区）", "单位", "版本", "最近提交（北京时间）", "逾期", "缺报数值"], rows),
        };
    }

    /// <summary>RFC 4180: every field that holds a comma, quote or line break is quoted, quotes doubled.</summary>
    public static string Csv(IReadOnlyList<string> headers, IEnumerable<object?[]> rows)
    {
        var text = new StringBuilder();
        void Line(IEnumerable<object?> cells) => text.Append(string.Join(',', cells.Select(Field))).Append("\r\n");
        Line(headers);
        foreach (var row in rows)
        {
            Line(row);
        }

        return text.ToString();
    }

    private static string Csv(Sheet sheet) => Csv(sheet.Headers, sheet.Rows);

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // A leading =, +, - or @ would make a spreadsheet run the cell as a formula (CSV injection).
        if (value is string && text.Length > 0 && "=+-@".Contains(text[0], StringComparison.Ordinal))
        {
            text = "'" + text;
        }

        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    private static void Xlsx(Sheet sheet, string path)
    {
        var rows = sheet.Rows.Select(r =>
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < sheet.Headers.Length; i++)
            {
                row[sheet.Headers[i]] = i < r.Length ? r[i] : null;
            }

            return row;
        }).ToList();
        var configuration = new OpenXmlConfiguration
        {
            FreezeRowCount = 1,
            DynamicColumns = [.. sheet.Headers.Select((h, i) => new DynamicExcelColumn(h) { Width = Width(h, sheet.Rows.Select(r => i < r.Length ? r[i] : null)) })],
        };
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        MiniExcel.SaveAs(path, rows, sheetName: sheet.Name, configuration: configuration);
    }

    /// <summary>Column width in Excel's units: Chinese characters count twice, capped so a long note does not take the screen.</summary>
    private static double Width(string header, IEnumerable<object?> cells)
    {
        static int Of(object? value) => (value?.ToString() ?? "").Sum(c => c > 0x2E80 ? 2 : 1);
        return Math.Clamp(cells.Select(Of).Append(Of(header)).Max() + 2, 6, 60);
    }

    /// <summary>An audit entry as a person reads it: when, who, what, before → after, why.</summary>
    private static string Readable(string body, Domain.Catalog.IndicatorCatalog catalog)
    {
        var e = Domain.Workflow.AuditChain.Parse(body);
        var change = e.Before is null && e.After is null ? "" : $"：{Domain.Workflow.AuditWords.Value(e.Before, catalog)} → {Domain.Workflow.AuditWords.Value(e.After, catalog)}";
        return $"{Domain.Workflow.CountyWorkflow.Local(e.At)} {Domain.Workflow.AuditWords.Actor(e.Actor)} {Domain.Workflow.AuditWords.Action(e.Action)}{change}{(e.Reason is { Length: > 0 } r ? $"（{r}）" : "")}";
    }
}
