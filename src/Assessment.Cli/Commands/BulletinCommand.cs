using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Grpc.Core;
using YamlDotNet.RepresentationModel;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess bulletin --year Y [--format html|md|verify] [-o FILE]</c> reads the results bulletin; its subcommands
/// publish it, download it (PDF), show who received and read it, manage the distribution list, withdraw and correct it,
/// and remind the unread.
/// </summary>
public static class BulletinCommand
{
    private static readonly Option<int> Year = new("--year") { Description = "考核年度", Required = true };
    private static readonly Option<FileInfo?> Output = new("--output", "-o") { Description = "输出文件（省略则打印到标准输出）" };
    private static readonly Option<string> Reason = new("--reason") { Description = "理由（必填，写入审计记录和更正通报）", Required = true };

    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "输出格式：html、md，或 verify（考核办核验单：已发布通报的文件哈希与审计链锚定值）", DefaultValueFactory = _ => "html" };
        format.AcceptOnlyFromAmong("html", "md", "verify");
        var edition = new Option<int>("--edition") { Description = "第几次印发（1 为原通报，2 起为更正通报）；省略为现行通报" };
        var command = new Command("bulletin", "考核结果通报：查看、印发、下载、分发与阅读情况、撤回与更正")
        {
            Year, format, Output, edition,
            Publish(), Download(), Status(), Recipients(), Withdraw(), Correct(), Remind(), Settings(), Webhook(), Mine(),
        };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var rendered = await client.RenderAsync(new RenderBulletinRequest
            {
                Year = parse.GetValue(Year),
                Edition = parse.GetValue(edition),
                Format = parse.GetValue(format) switch { "md" => BulletinFormat.Markdown, "verify" => BulletinFormat.Verification, _ => BulletinFormat.Html },
            }, options);
            if (parse.GetValue(Output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, rendered.Content, ct);
                Console.WriteLine($"已写入 {file.FullName}（{Describe(rendered.DocumentNumber, rendered.Draft, rendered.Withdrawn)}，SHA-256 {rendered.Sha256}）");
            }
            else
            {
                Console.Write(rendered.Content);
            }
        }));
        return command;
    }

    private static Command Publish()
    {
        var command = new Command("publish", "发布考核结果并印发通报（取得文号，发送给分发对象）") { Year };
        command.SetAction((parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            return RunOn(channel, async () =>
            {
                await new AssessmentService.AssessmentServiceClient(channel).PublishRoundAsync(new PublishRoundRequest { Year = parse.GetValue(Year) }, options);
                var status = await new BulletinService.BulletinServiceClient(channel).GetStatusAsync(new BulletinStatusRequest { Year = parse.GetValue(Year) }, options);
                var current = status.Editions.LastOrDefault();
                Console.WriteLine(current is null
                    ? "考核结果已发布；通报将在首次查看时印发（自定义模板暂时无法渲染时）。"
                    : $"考核结果已发布，通报已印发：{current.DocumentNumber}《{current.Title}》，发送分发对象 {current.Receipts.Count} 位。");
            });
        });
        return command;
    }

    private static Command Download()
    {
        var format = new Option<string>("--format") { Description = "文件格式：pdf、html 或 md", DefaultValueFactory = _ => "pdf" };
        format.AcceptOnlyFromAmong("pdf", "html", "md");
        var edition = new Option<int>("--edition") { Description = "第几次印发；省略为现行通报" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "保存为（省略则用文号命名，存于当前目录）" };
        var command = new Command("download", "下载通报文件（PDF 由服务器用 Chromium 按公文格式生成；领导下载的是个人分发件）") { Year, format, edition, output };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            using var call = client.Download(new DownloadBulletinRequest
            {
                Year = parse.GetValue(Year),
                Edition = parse.GetValue(edition),
                Format = parse.GetValue(format) switch { "html" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => BulletinFormat.Pdf },
            }, options);
            var (info, path) = await DocumentFiles.SaveAsync(call, parse.GetValue(output), ct);
            Console.WriteLine($"已保存 {path}（{Describe(info.DocumentNumber, info.Draft, info.Withdrawn)}{(info.Recipient.Length > 0 ? "，" + info.Recipient + "个人分发件" : "")}，{info.Size:N0} 字节，SHA-256 {info.Sha256}）");
        }));
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "通报印发情况：各次印发的文号、撤回与更正，各分发对象的发送、阅读、下载与提醒时间") { Year };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var status = await client.GetStatusAsync(new BulletinStatusRequest { Year = parse.GetValue(Year) }, options);
            if (status.Editions.Count == 0)
            {
                Console.WriteLine($"{status.Year} 年度通报尚未印发。");
                return;
            }

            foreach (var e in status.Editions)
            {
                Console.WriteLine($"第 {e.Edition} 次印发：{e.DocumentNumber}《{e.Title}》，成文日期 {e.IssuedOn}"
                    + (e.Corrects.Length > 0 ? $"，更正 {e.Corrects}" : "")
                    + (e.Withdrawn ? $"；已于 {BeijingTime.Format(e.WithdrawnAt)} 由 {e.WithdrawnBy} 撤回（{e.WithdrawalReason}）" : "；现行有效"));
                if (e.Receipts.Count == 0)
                {
                    Console.WriteLine("  未设分发对象。");
                    continue;
                }

                var table = new TextTable(["分发对象", "单位", "身份", "发送", "已阅", "已下载", "提醒"]);
                foreach (var r in e.Receipts)
                {
                    table.Add([r.Person, r.Office, r.Title, When(r.SentAt), When(r.OpenedAt, "未阅"), When(r.DownloadedAt, "—"), When(r.RemindedAt, "—")]);
                }

                Console.Write(table);
                var read = e.Receipts.Count(r => r.OpenedAt is not null);
                Console.WriteLine($"  已阅 {read}/{e.Receipts.Count}。");
            }
        }));
        return command;
    }

    private static Command Recipients()
    {
        var set = new Option<FileInfo?>("--set") { Description = "用 YAML 文件整体替换分发对象（recipients: 列表，每项 id、person、office、title、credential）" };
        var command = new Command("recipients", "分发对象：列出，或用 --set 文件整体替换（租户管理员）") { set };
        command.SetAction((parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            return RunOn(channel, async () =>
            {
                var admin = new AdminService.AdminServiceClient(channel);
                TenantInfo info;
                if (parse.GetValue(set) is { } file)
                {
                    var request = new SetDistributionRequest();
                    request.Recipients.AddRange(ReadRecipients(file));
                    info = await admin.SetDistributionAsync(request, options);
                    Console.WriteLine($"分发对象已更新，共 {info.Distribution.Count} 位；此后印发的通报发送给他们。");
                }
                else
                {
                    info = await admin.GetTenantAsync(new GetTenantRequest(), options);
                }

                var table = new TextTable(["标识", "姓名", "单位", "身份", "凭据"]);
                foreach (var r in info.Distribution)
                {
                    table.Add([r.Id, r.Person, r.Office, r.Title, r.CredentialId]);
                }

                Console.Write(info.Distribution.Count == 0 ? "尚未设置分发对象。\n" : table.ToString());
            });
        });
        return command;
    }

    private static Command Withdraw()
    {
        var command = new Command("withdraw", "撤回现行通报（须说明理由；原件保留，可随后印发更正通报）") { Year, Reason };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var status = await client.WithdrawAsync(new WithdrawBulletinRequest { Year = parse.GetValue(Year), Reason = parse.GetValue(Reason)! }, options);
            Console.WriteLine($"已撤回 {status.Editions[^1].DocumentNumber}。如需更正，请执行 assess bulletin correct --year {status.Year} --reason …");
        }));
        return command;
    }

    private static Command Correct()
    {
        var command = new Command("correct", "印发更正通报：新文号，写明所更正的通报及原因，附更正后的考核结果") { Year, Reason };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var status = await client.CorrectAsync(new CorrectBulletinRequest { Year = parse.GetValue(Year), Reason = parse.GetValue(Reason)! }, options);
            var e = status.Editions[^1];
            Console.WriteLine($"已印发更正通报 {e.DocumentNumber}《{e.Title}》（更正 {e.Corrects}），发送分发对象 {e.Receipts.Count} 位。");
        }));
        return command;
    }

    private static Command Remind()
    {
        var command = new Command("remind", "提醒未阅读的分发对象（推送到本市配置的 Webhook，如政务钉钉、企业微信机器人）") { Year };
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var response = await client.RemindUnreadAsync(new RemindUnreadRequest { Year = parse.GetValue(Year) }, options);
            Console.WriteLine(response.Recipients.Count == 0 ? "全部分发对象均已阅读，无需提醒。"
                : response.Posted ? $"已提醒 {response.Recipients.Count} 位：{string.Join("、", response.Recipients)}。"
                : $"未配置 Webhook：已记录 {response.Recipients.Count} 位未阅读（{string.Join("、", response.Recipients)}），请另行通知。");
        }));
        return command;
    }

    private static Command Settings()
    {
        var copyTo = new Option<string?>("--copy-to") { Description = "抄送（版记），如：市委办公室，市人大常委会办公室" };
        var printer = new Option<string?>("--printer") { Description = "印发机关（版记）；省略为发文机关" };
        var restricted = new Option<bool>("--restricted") { Description = "附注为（此件不公开）；省略为（此件公开发布）" };
        var nextSteps = new Option<string[]>("--next-step") { Description = "下一步要求，一段一个（可重复）；省略用标准段落", AllowMultipleArgumentsPerToken = false };
        var drafts = new Option<bool>("--leaders-see-drafts") { Description = "发布前领导可阅读征求意见稿" };
        var weak = new Option<double>("--weak-average") { Description = "平均得分率低于此值的考核内容列为存在问题（0–1，默认 0.8）" };
        var command = new Command("settings", "通报设置（租户管理员）：抄送、印发机关、附注、下一步要求、存在问题的阈值")
        {
            copyTo, printer, restricted, nextSteps, drafts, weak,
        };
        command.SetAction((parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            return RunOn(channel, async () =>
            {
                var settings = new BulletinSettings
                {
                    CopyTo = parse.GetValue(copyTo) ?? "",
                    Printer = parse.GetValue(printer) ?? "",
                    Restricted = parse.GetValue(restricted),
                    LeadersSeeDrafts = parse.GetValue(drafts),
                    WeakAverage = parse.GetValue(weak),
                };
                settings.NextSteps.AddRange(parse.GetValue(nextSteps) ?? []);
                var info = await new AdminService.AdminServiceClient(channel).SetBulletinSettingsAsync(new SetBulletinSettingsRequest { Settings = settings }, options);
                var s = info.BulletinSettings;
                Console.WriteLine($"通报设置已保存：抄送 {(s.CopyTo.Length > 0 ? s.CopyTo : "（无）")}；印发机关 {(s.Printer.Length > 0 ? s.Printer : info.Issuer)}；"
                    + $"{(s.Restricted ? "（此件不公开）" : "（此件公开发布）")}；下一步要求 {(s.NextSteps.Count > 0 ? s.NextSteps.Count + " 段" : "标准段落")}；"
                    + $"领导{(s.LeadersSeeDrafts ? "可" : "不可")}阅读征求意见稿。");
            });
        });
        return command;
    }

    private static Command Webhook()
    {
        var url = new Option<string>("--url") { Description = "https 地址；空字符串为删除", Required = true };
        var command = new Command("webhook", "设置本市提醒推送的 Webhook（租户管理员）") { url };
        command.SetAction((parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            return RunOn(channel, async () =>
            {
                var info = await new AdminService.AdminServiceClient(channel).SetWebhookAsync(new SetWebhookRequest { Url = parse.GetValue(url)! }, options);
                Console.WriteLine(info.HasWebhook ? "Webhook 已设置。" : "Webhook 已删除。");
            });
        });
        return command;
    }

    private static Command Mine()
    {
        var command = new Command("mine", "分发给我的通报（领导）");
        command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var mine = await client.ListMineAsync(new ListMyBulletinsRequest(), options);
            var table = new TextTable(["年度", "文号", "标题", "成文日期", "状态", "阅读"]);
            foreach (var b in mine.Bulletins)
            {
                table.Add([b.Year.ToString(CultureInfo.InvariantCulture), b.DocumentNumber, b.Title, b.IssuedOn, b.Withdrawn ? "已撤回" : "有效", When(b.OpenedAt, "未阅")]);
            }

            Console.Write(mine.Bulletins.Count == 0 ? "暂无分发给您的通报。\n" : table.ToString());
        }));
        return command;
    }

    /// <summary>Reads a distribution list file: <c>recipients:</c> with id, person, office, title, credential per entry.</summary>
    public static IReadOnlyList<Recipient> ReadRecipients(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new InvalidInputException($"找不到文件 {file.FullName}");
        }

        if (file.Length > 256 * 1024)
        {
            throw new InvalidInputException($"{file.Name} 超过 256 KiB。");
        }

        YamlNode? document;
        try
        {
            document = Domain.YamlLimits.Default.Load(File.ReadAllText(file.FullName));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new InvalidInputException($"{file.Name} {Domain.YamlLimits.Describe(ex)}");
        }

        if (document is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("recipients"), out var node) || node is not YamlSequenceNode items)
        {
            throw new InvalidInputException($"{file.Name} 须为 YAML 映射，含 recipients: 列表（每项 id、person、office、title、credential）。");
        }

        var list = new List<Recipient>();
        foreach (var item in items)
        {
            if (item is not YamlMappingNode map)
            {
                throw new InvalidInputException($"{file.Name} 第 {item.Start.Line} 行：每个分发对象须含 id、person、office、credential。");
            }

            string Field(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode scalar ? scalar.Value ?? "" : "";
            list.Add(new Recipient { Id = Field("id"), Person = Field("person"), Office = Field("office"), Title = Field("title"), CredentialId = Field("credential") });
        }

        return list;
    }

    private static string Describe(string number, bool draft, bool withdrawn) =>
        draft ? "征求意见稿" : withdrawn ? $"{number}，已撤回" : number;

    private static string When(Google.Protobuf.WellKnownTypes.Timestamp? at, string none = "—") => at is null ? none : BeijingTime.Format(at);


    private static Task<int> Run(ParseResult parse, Func<BulletinService.BulletinServiceClient, CallOptions, Task> action, CancellationToken ct)
    {
        var (channel, options) = Connection.Open(parse, ct);
        return RunOn(channel, () => action(new BulletinService.BulletinServiceClient(channel), options));
    }

    private static async Task<int> RunOn(IDisposable channel, Func<Task> action)
    {
        using (channel)
        {
            await action();
        }

        return 0;
    }
}
