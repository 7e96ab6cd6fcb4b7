using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Assessment.Contracts.V1;
using YamlDotNet.RepresentationModel;

namespace Assessment.Cli.Commands;

/// <summary><c>assess submit FILE.yaml</c>: submits one unit's values for a year.</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("FILE") { Description = "填报文件：assess template 生成的 Excel 填报表（.xlsx），或 YAML（year、values（指标代码: 数值，~ 表示未填报）、可选 notes 与 submission_id）", Arity = ArgumentArity.ZeroOrOne };
        var dryRun = new Option<bool>("--dry-run") { Description = "只校验并显示将发生的变化，不保存" };
        var fromReport = new Option<FileInfo?>("--from-report") { Description = "从年度报告提取数值后提交（先显示提取结果）" };
        var year = new Option<int?>("--year") { Description = "与 --from-report 同用：报告所属年度（Excel 填报表自带年度，无需指定）" };
        var level = new Option<string>("--level") { Description = "与 --from-report 同用：unit（下属单位，默认）或 county（县本级）", DefaultValueFactory = _ => "unit" };
        level.AcceptOnlyFromAmong("unit", "county");
        var confirm = new Option<bool>("--confirm") { Description = "与 --from-report 同用：显示提取结果并询问后再提交" };
        var yes = new Option<bool>("--yes") { Description = "与 --from-report 同用：不询问，直接提交" };
        var command = new Command("submit", "提交本单位某年度的指标数值") { file, dryRun, fromReport, year, level, confirm, yes };
        command.SetAction(async (parse, ct) =>
        {
            SubmitIndicatorsRequest request;
            byte[] content;
            if (parse.GetValue(fromReport) is { } report)
            {
                content = await File.ReadAllBytesAsync(report.FullName, ct);
                var reportYear = parse.GetValue(year) ?? throw new UsageException("从报告提交须用 --year 指明报告所属年度。");
                request = FromReport(report, reportYear, parse.GetValue(level) == "county", await TenantCatalog.FetchAsync(parse, reportYear, ct));
                if (!parse.GetValue(yes))
                {
                    if (!parse.GetValue(confirm))
                    {
                        throw new UsageException("从报告提交须选择 --confirm（显示后询问）或 --yes（直接提交）。");
                    }

                    Console.Write("确认提交以上数值？[y/N] ");
                    if (Console.ReadLine()?.Trim().ToUpperInvariant() is not ("Y" or "YES"))
                    {
                        Console.WriteLine("已取消，未提交。");
                        return 1;
                    }
                }
            }
            else
            {
                var path = parse.GetValue(file) ?? throw new UsageException("请指定填报文件，或用 --from-report 报告文件。");
                if (!path.Exists)
                {
                    throw new UsageException($"找不到文件 {path.FullName}");
                }

                content = await File.ReadAllBytesAsync(path.FullName, ct);
                if (WorkbookCommands.IsWorkbook(path))
                {
                    // The id derives from what the workbook says, not its bytes: Excel re-saves change the bytes only.
                    request = WorkbookCommands.ReadForm(content, parse.GetValue(year), out content);
                }
                else
                {
                    request = Parse(System.Text.Encoding.UTF8.GetString(content));
                }
            }

            request.DryRun = parse.GetValue(dryRun);
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new SubmissionService.SubmissionServiceClient(channel);
                var current = await client.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = request.Year }, options);
                if (request.SubmissionId.Length == 0)
                {
                    // The file's bytes and the version the unit is at now: sending the same file again right away is a
                    // retry (stored once), while sending yesterday's file after other changes stores it as a new version.
                    var kind = parse.GetValue(fromReport) is null ? "file" : parse.GetValue(level)!;
                    // If this very file made the unit's latest version, sending it again is a replay of that submission.
                    var latest = current.Submissions.Where(s => s.Version == current.Version).Select(s => s.SubmissionId).ToHashSet();
                    var previous = DeriveId(content, kind, current.Version - 1).ToString();
                    request.SubmissionId = current.Version > 0 && latest.Contains(previous) ? previous : DeriveId(content, kind, current.Version).ToString();
                }

                var response = await client.SubmitIndicatorsAsync(request, options);
                Console.WriteLine(response.DryRun ? "试提交（未保存）：" : response.Replayed ? "该提交此前已受理（重复提交未重复计入）：" : "已受理并持久保存：");
                Console.WriteLine($"  submission_id {response.SubmissionId}，版本 {response.Version}");
                Console.WriteLine($"  新增 {response.Accepted}，更新 {response.Updated}，未变 {response.Unchanged}，清除 {response.Cleared}，拒绝 {response.Rejected}");
                var before = current.Values.ToDictionary(v => v.Code, v => v.Value, StringComparer.Ordinal);
                var sent = request.Values.ToDictionary(v => v.Code, StringComparer.Ordinal);
                foreach (var o in response.Outcomes)
                {
                    var was = before.TryGetValue(o.Code, out var old) ? old.ToString("0.##", CultureInfo.InvariantCulture) : "未填报";
                    var now = sent.TryGetValue(o.Code, out var value) && value.HasValue ? value.Value.ToString("0.##", CultureInfo.InvariantCulture) : "未填报";
                    Console.WriteLine(o.Outcome switch
                    {
                        ValueOutcomeKind.Rejected => $"  拒绝 {o.Code}：{o.Reason}",
                        ValueOutcomeKind.Accepted => $"  新增 {o.Code}：{now}",
                        ValueOutcomeKind.Updated => $"  更新 {o.Code}：{was} → {now}",
                        ValueOutcomeKind.Cleared => $"  清除 {o.Code}：{was} → 未填报",
                        _ => $"  未变 {o.Code}：{was}",
                    });
                }

                // A dry run answers like the real call would: rejected values are a validation failure (exit 4).
                if (response.DryRun && response.Rejected > 0)
                {
                    Console.Error.WriteLine("试提交发现无效数值（见上）；正式提交将被拒绝，本次未保存任何数据。");
                    return Failures.Validation;
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Extracts a report and builds the submission from what the submitter may report: a unit's indicators (and
    /// reported rates) or, with <paramref name="county"/>, the county's own. The id derives from the report and year,
    /// so submitting the same report twice is a retry.
    /// </summary>
    public static SubmitIndicatorsRequest FromReport(FileInfo report, int reportYear, bool county, Assessment.Domain.Catalog.IndicatorCatalog catalog)
    {
        var document = ExtractCommand.ReadReport(report);
        var text = document.Text;
        var result = Assessment.Domain.Extraction.ReportExtractor.Default.Extract(text);
        var submitter = county ? Assessment.Domain.Catalog.IndicatorSource.County : Assessment.Domain.Catalog.IndicatorSource.Unit;
        // Only the tenant's own indicators of that year, still asked for: a figure for one it retired is not proposed.
        var usable = result with { Proposals = result.Proposals.Where(p => catalog.TryGet(p.Code, out var i) && i.AcceptsFrom(submitter) && !p.Suggestion).ToList() };
        ExtractCommand.Print(usable, document);
        if (usable.Proposals.Count == 0)
        {
            throw new UsageException("报告中没有可由本级填报的指标数值。");
        }

        var request = new SubmitIndicatorsRequest { Year = reportYear };
        request.Values.AddRange(usable.Proposals.Select(p => new IndicatorValue { Code = p.Code, Value = p.Value, Note = "摘自年度报告：" + (p.Evidence.Length > 200 ? p.Evidence[..200] : p.Evidence) }));
        return request;
    }

    /// <summary>
    /// The submission id of a file without one: from its bytes and the version the unit was at when it was sent. Sent
    /// again while it is still the unit's latest, it is a replay; sent again after the unit moved on (a revert to
    /// yesterday's figures), it is a new submission and stores a new version.
    /// </summary>
    public static Guid DeriveId(byte[] content, string level, int currentVersion)
    {
        var digest = SHA256.HashData([.. content, .. System.Text.Encoding.UTF8.GetBytes($"\n{level}@{currentVersion.ToString(CultureInfo.InvariantCulture)}")]);
        return new Guid(digest.AsSpan(0, 16));
    }

    /// <summary>Reads a submission file; without a submission_id in it the id is derived when sending (<see cref="DeriveId"/>).</summary>
    public static SubmitIndicatorsRequest Parse(string yaml)
    {
        if (Domain.YamlLimits.Default.Load(yaml) is not YamlMappingNode root)
        {
            throw new InvalidInputException("填报文件须为 YAML 映射，包含 year 与 values。");
        }

        string? Scalar(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;
        if (!int.TryParse(Scalar("year"), NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            throw new InvalidInputException("填报文件缺少有效的 year（如 year: 2024）。");
        }

        var request = new SubmitIndicatorsRequest { SubmissionId = Scalar("submission_id") ?? "", Year = year };
        var notes = root.Children.TryGetValue(new YamlScalarNode("notes"), out var nn) && nn is YamlMappingNode nm ? nm : null;
        if (!root.Children.TryGetValue(new YamlScalarNode("values"), out var vn))
        {
            throw new InvalidInputException("填报文件缺少 values（指标代码: 数值）。");
        }

        if (vn is not YamlMappingNode values)
        {
            throw new InvalidInputException($"填报文件第 {vn.Start.Line} 行：values 须为“指标代码: 数值”的映射，每行一个指标（如 mediation.disputes_received: 150）。");
        }

        foreach (var (k, v) in values.Children)
        {
            var code = ((YamlScalarNode)k).Value ?? "";
            var item = new IndicatorValue { Code = code };
            var text = (v as YamlScalarNode)?.Value;
            if (text is not (null or "" or "~" or "null"))
            {
                item.Value = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? d
                    : throw new InvalidInputException($"{code} 的值“{text}”不是数字。");
            }

            if (notes is not null && notes.Children.TryGetValue(new YamlScalarNode(code), out var note) && note is YamlScalarNode ns)
            {
                item.Note = ns.Value ?? "";
            }

            request.Values.Add(item);
        }

        return request;
    }
}
