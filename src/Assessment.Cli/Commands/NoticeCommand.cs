using System.CommandLine;
using Assessment.Contracts.V1;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess round notice --year Y</c> issues the year's 考核通知 (the 细则 as its 附件) and shows each county's receipt;
/// <c>--withdraw</c> and <c>--correct</c> with a reason, and <c>--download pdf|html|md</c>.
/// </summary>
public static class NoticeCommand
{
    public static Command Create(Option<int> year)
    {
        var withdraw = new Option<string?>("--withdraw") { Description = "撤回现行考核通知，并写明撤回原因（记入审计记录）" };
        var correct = new Option<string?>("--correct") { Description = "撤回后印发更正通知，并写明更正原因" };
        var status = new Option<bool>("--status") { Description = "只查看印发情况与各县（区）的阅读情况，不印发" };
        var download = new Option<string?>("--download") { Description = "下载现行考核通知：pdf、html 或 md" };
        download.AcceptOnlyFromAmong("pdf", "html", "md");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "下载保存为（省略则用文号命名，存于当前目录）" };
        var command = new Command("notice", "印发年度考核通知（附评分细则；文号取本市发文序号，发送各县（区）并记录阅读），也可查看、下载、撤回与更正")
        {
            year, withdraw, correct, status, download, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var client = new NoticeService.NoticeServiceClient(channel);
                var y = parse.GetValue(year);
                if (parse.GetValue(download) is { } format)
                {
                    await DownloadAsync(client, options, y, format, parse.GetValue(output), ct);
                    return 0;
                }

                var result = parse.GetValue(withdraw) is { } why
                    ? await client.WithdrawAsync(new WithdrawBulletinRequest { Year = y, Reason = why, RequestId = Guid.NewGuid().ToString() }, options)
                    : parse.GetValue(correct) is { } reason
                        ? await client.CorrectAsync(new CorrectBulletinRequest { Year = y, Reason = reason, RequestId = Guid.NewGuid().ToString() }, options)
                        : parse.GetValue(status)
                            ? await client.GetStatusAsync(new BulletinStatusRequest { Year = y }, options)
                            : await client.IssueAsync(new IssueNoticeRequest { Year = y, RequestId = Guid.NewGuid().ToString() }, options);
                Print(result);
            }

            return 0;
        });
        return command;
    }

    private static void Print(BulletinStatus status)
    {
        if (status.Editions.Count == 0)
        {
            Console.WriteLine($"{status.Year} 年度考核通知尚未印发。");
            return;
        }

        foreach (var e in status.Editions)
        {
            Console.WriteLine($"第 {e.Edition} 次印发：{e.DocumentNumber}《{e.Title}》，成文日期 {e.IssuedOn}"
                + (e.Corrects.Length > 0 ? $"，更正 {e.Corrects}" : "")
                + (e.Withdrawn ? $"；已于 {BeijingTime.Format(e.WithdrawnAt)} 由 {e.WithdrawnBy} 撤回（{e.WithdrawalReason}）" : "；现行有效"));
        }

        var current = status.Editions[^1];
        var table = new TextTable(["县（区）", "发送", "已阅", "已下载"]);
        foreach (var r in current.Receipts)
        {
            table.Add([r.Person, BeijingTime.Format(r.SentAt), r.OpenedAt is null ? "未阅" : BeijingTime.Format(r.OpenedAt), r.DownloadedAt is null ? "—" : BeijingTime.Format(r.DownloadedAt)]);
        }

        Console.WriteLine($"发送县（区）{current.Receipts.Count} 个，已阅 {current.Receipts.Count(r => r.OpenedAt is not null || r.DownloadedAt is not null)} 个：");
        Console.Write(table);
    }

    private static async Task DownloadAsync(NoticeService.NoticeServiceClient client, CallOptions options, int year, string format, FileInfo? output, CancellationToken ct)
    {
        using var call = client.Download(new DownloadBulletinRequest
        {
            Year = year,
            Format = format switch { "html" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => BulletinFormat.Pdf },
        }, options);
        var (info, path) = await DocumentFiles.SaveAsync(call, output, ct);
        Console.WriteLine($"已保存 {path}（{info.DocumentNumber}{(info.Withdrawn ? "，已撤回" : "")}，{info.Size:N0} 字节，SHA-256 {info.Sha256}）");
    }
}
