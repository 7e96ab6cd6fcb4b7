using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Assessment.Domain.Workflow;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess audit verify --year 2025 [--county c]</c> re-computes every county's hash chain on this machine and reports
/// the first broken entry; <c>assess audit list</c> prints a county's entries.
/// </summary>
public static class AuditCommand
{
    private static readonly Option<int> Year = new("--year") { Description = "考核年度", Required = true };

    private static readonly Option<string?> County = new("--county") { Description = "县（区）代码；县级密钥可省略（本县）。verify 省略时检查全部县（区）" };

    /// <summary>Exit code when a chain is broken.</summary>
    public const int Broken = 6;

    public static Command Create()
    {
        var verify = new Command("verify", "逐条重算审计链哈希，报告第一条被改动、删除或调换的记录；已发布年度另与通报中锚定的链尾核对（发现截断）") { Year, County };
        verify.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new AssessmentService.AssessmentServiceClient(channel);
                var year = parse.GetValue(Year);
                var counties = parse.GetValue(County) is { Length: > 0 } one ? [one] : await AllCountiesAsync(client, year, options);
                var broken = 0;
                var table = new TextTable(["县（区）", "记录数", "链尾哈希", "锚定", "结果"]);
                await LongWork.ForEachAsync(counties, $"核验 {counties.Length} 个县（区）的审计链", async county =>
                {
                    var (records, head, anchored) = await ReadChainAsync(client, year, county, options);
                    // Truncation shows against the head the platform keeps and, once published, against the bulletin's anchor.
                    var result = AuditChain.Verify(records, anchored ?? head);
                    if (result.Intact && anchored is not null && head.Count != anchored.Count)
                    {
                        result = new AuditVerification(records.Count, Math.Min(head.Count, anchored.Count), "链尾与通报中锚定的不一致");
                    }

                    broken += result.Intact ? 0 : 1;
                    table.Add([county, records.Count.ToString(CultureInfo.InvariantCulture), head.Hash[..16], anchored is null ? "—" : "已锚定",
                        result.Intact ? "完整" : $"第 {result.FirstBroken} 条起不可信：{result.Problem}"]);
                });

                Console.WriteLine($"{year} 年度审计链核验");
                Console.Write(table);
                Console.WriteLine(broken == 0 ? $"全部 {counties.Length} 条审计链完整。" : $"{broken} 条审计链被改动。");
                return broken == 0 ? 0 : Broken;
            }
        });

        var list = new Command("list", "列出某县（区）审计链的记录（时间为北京时间）") { Year, County };
        list.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new AssessmentService.AssessmentServiceClient(channel);
                var (records, head, _) = await ReadChainAsync(client, parse.GetValue(Year), parse.GetValue(County) ?? "", options);
                var catalog = await TenantCatalog.FetchAsync(channel, options, parse.GetValue(Year));
                var table = new TextTable(["序号", "时间", "操作人", "操作", "对象", "变更前", "变更后", "理由"]);
                foreach (var r in records)
                {
                    var e = AuditChain.Parse(r.Body);
                    table.Add([r.Index.ToString(CultureInfo.InvariantCulture), Domain.Workflow.CountyWorkflow.Local(e.At), AuditWords.Actor(e.Actor), AuditWords.Action(e.Action), AuditWords.Subject(e.Subject),
                        Short(AuditWords.Value(e.Before, catalog)), Short(AuditWords.Value(e.After, catalog)), e.Reason ?? ""]);
                }

                Console.Write(table);
                Console.WriteLine($"共 {head.Count} 条，链尾哈希 {head.Hash}");
                return 0;
            }
        });

        return new Command("audit", "审计链：核验与查看") { verify, list };
    }

    private static async Task<string[]> AllCountiesAsync(AssessmentService.AssessmentServiceClient client, int year, CallOptions options) =>
        (await client.GetRankingAsync(new GetRankingRequest { Year = year }, options)).Entries.Select(e => e.County).Order(StringComparer.Ordinal).ToArray();

    private static async Task<(List<Domain.Workflow.AuditRecord> Records, Domain.Workflow.AuditHead Head, Domain.Workflow.AuditHead? Anchored)> ReadChainAsync(
        AssessmentService.AssessmentServiceClient client, int year, string county, CallOptions options)
    {
        var records = new List<Domain.Workflow.AuditRecord>();
        var token = "";
        ListAuditResponse page;
        do
        {
            page = await client.ListAuditAsync(new ListAuditRequest { Year = year, County = county, PageSize = 1000, PageToken = token }, options);
            records.AddRange(page.Entries.Select(e => new Domain.Workflow.AuditRecord(e.Index, e.PrevHash, e.Body, e.Hash)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return (records, new Domain.Workflow.AuditHead(page.Head.Count, page.Head.Hash),
            page.AnchoredHead is { } a ? new Domain.Workflow.AuditHead(a.Count, a.Hash) : null);
    }

    private static string Short(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..39] + "…";
}
