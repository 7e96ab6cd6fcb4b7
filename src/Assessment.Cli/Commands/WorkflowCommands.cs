using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// The yearly cycle from the command line: <c>assess round …</c> (define, open, close, publish, status, reminders) and
/// <c>assess county …</c> (status, 上报, 退回, 审核通过, 延期, 核查调整).
/// </summary>
public static class WorkflowCommands
{
    private static readonly Option<int> Year = new("--year") { Description = "考核年度", Required = true };
    private static readonly Option<string?> County = new("--county") { Description = "县（区）代码；县级密钥可省略（本县）" };
    private static readonly Option<string?> Reason = new("--reason") { Description = "理由（退回、延期、调整必填）" };
    private static readonly Option<int?> ExpectedVersion = new("--expected-version") { Description = "您所依据的版本号；数据已被他人修改时拒绝执行（ABORTED）" };

    public static Command Round()
    {
        var deadline = new Option<string>("--deadline") { Description = "填报截止（北京时间，yyyy-MM-dd 或 yyyy-MM-dd HH:mm；只写日期即当天 24 时）", Required = true };
        var reviewDeadline = new Option<string?>("--review-deadline") { Description = "审核截止（格式同上，可省略）" };
        var scheme = new Option<FileInfo?>("--scheme") { Description = "评分细则文件（YAML）；省略则用平台默认细则" };
        var define = new Command("define", "设置（或修改）年度考核草案：评分细则、名单（取本市当前名单）与截止时间") { Year, deadline, reviewDeadline, scheme };
        define.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var request = new DefineRoundRequest
            {
                Year = parse.GetValue(Year),
                SubmissionDeadline = Timestamp.FromDateTimeOffset(BeijingTime.Parse(parse.GetValue(deadline)!, "--deadline")),
                SchemeYaml = parse.GetValue(scheme) is { } file ? await File.ReadAllTextAsync(file.FullName) : "",
            };
            if (parse.GetValue(reviewDeadline) is { } review)
            {
                request.ReviewDeadline = Timestamp.FromDateTimeOffset(BeijingTime.Parse(review, "--review-deadline"));
            }

            Print(await client.DefineRoundAsync(request, options));
        }));

        Command Transition(string name, string description, Func<AssessmentService.AssessmentServiceClient, int, int?, CallOptions, Task<RoundSummary>> call)
        {
            var command = new Command(name, description) { Year, ExpectedVersion };
            command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
                Print(await call(client, parse.GetValue(Year), parse.GetValue(ExpectedVersion), options))));
            return command;
        }

        var status = new Command("status", "年度考核状态：阶段、截止时间、填报完整性与下一步可做的操作") { Year };
        status.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
            Print(await client.GetRoundAsync(new GetRoundRequest { Year = parse.GetValue(Year) }, options))));

        var reminders = new Command("reminders", "截止提醒记录：各提醒时点尚未填报的单位") { Year };
        reminders.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var response = await client.ListNotificationsAsync(new ListNotificationsRequest { Year = parse.GetValue(Year) }, options);
            var table = new TextTable(["序号", "时间", "类型", "未填报单位数", "已推送", "单位（前 10 个）"]);
            foreach (var n in response.Notifications)
            {
                table.Add([n.Sequence.ToString(CultureInfo.InvariantCulture), BeijingTime.Format(n.At), n.Kind == "overdue" ? "逾期未报" : "即将截止",
                    n.OverdueCount.ToString(CultureInfo.InvariantCulture), n.Delivered ? "是" : "否", string.Join("、", n.Overdue.Take(10))]);
            }

            Console.Write(table);
        }));

        var catalogVersion = new Option<int>("--catalog-version") { Description = "要改用的指标目录版本号（见 assess catalog versions）", Required = true };
        var repinCatalog = new Command("repin-catalog", "考核进行中改用另一版本的指标目录（须说明理由，记入考核日志；发布后不可更改）") { Year, catalogVersion, Reason };
        repinCatalog.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
            Print(await client.RepinCatalogAsync(new RepinCatalogRequest
            {
                Year = parse.GetValue(Year),
                CatalogVersion = parse.GetValue(catalogVersion),
                Reason = parse.GetValue(Reason) ?? "",
            }, options))));

        return new Command("round", "年度考核：设置、开启、截止填报、发布与状态")
        {
            define,
            repinCatalog,
            Transition("open", "开启考核：固定评分细则与名单，各单位开始填报", (c, y, v, o) => c.OpenRoundAsync(Request(y, v), o).ResponseAsync),
            Transition("close", "截止填报（已获延期的县（区）在延期内仍可填报）", (c, y, v, o) => c.CloseRoundAsync(Request(y, v), o).ResponseAsync),
            Transition("publish", "发布考核结果：全部县（区）审核通过后方可发布，发布后不可更改", (c, y, v, o) =>
                c.PublishRoundAsync(PublishRequest(y, v), o).ResponseAsync),
            status,
            reminders,
            NoticeCommand.Create(Year),
        };
    }

    public static Command CountyCommand()
    {
        var status = new Command("status", "县（区）审核状态、各单位填报情况、核查调整与下一步可做的操作") { Year, County };
        status.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var county = await client.GetCountyAsync(new GetCountyRequest { Year = parse.GetValue(Year), County = parse.GetValue(County) ?? "" }, options);
            Print(county.Workflow, county.Name);
        }));

        Command Transition(string name, string description, Func<AssessmentService.AssessmentServiceClient, CountyTransitionRequest, CallOptions, AsyncUnaryCall<CountyWorkflow>> call)
        {
            var command = new Command(name, description) { Year, County, Reason, ExpectedVersion };
            command.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
            {
                var request = new CountyTransitionRequest { Year = parse.GetValue(Year), County = parse.GetValue(County) ?? "", Reason = parse.GetValue(Reason) ?? "" };
                if (parse.GetValue(ExpectedVersion) is { } v)
                {
                    request.ExpectedVersion = v;
                }

                Print(await call(client, request, options), request.County);
            }));
            return command;
        }

        var until = new Option<string>("--until") { Description = "延期至（北京时间，格式同 round define --deadline）", Required = true };
        var extend = new Command("extend", "为一个县（区）延长填报截止时间（须说明理由，记入审计链）") { Year, County, until, Reason, ExpectedVersion };
        extend.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var request = new ExtendDeadlineRequest
            {
                Year = parse.GetValue(Year),
                County = parse.GetValue(County) ?? "",
                Until = Timestamp.FromDateTimeOffset(BeijingTime.Parse(parse.GetValue(until)!, "--until")),
                Reason = parse.GetValue(Reason) ?? "",
            };
            if (parse.GetValue(ExpectedVersion) is { } v)
            {
                request.ExpectedVersion = v;
            }

            Print(await client.ExtendDeadlineAsync(request, options), request.County);
        }));

        var target = new Option<string>("--target") { Description = "指标代码或一级指标代码" };
        var points = new Option<double>("--points") { Description = "分值：扣分为负、加分为正" };
        var evidence = new Option<string?>("--evidence") { Description = "依据（核查记录编号、文件名等）" };
        var id = new Option<string?>("--id") { Description = "修改或撤销已有调整时的调整编号" };
        var withdraw = new Option<bool>("--withdraw") { Description = "撤销 --id 指定的调整" };
        var adjust = new Command("adjust", "核查扣分/加分（仅在审核中可增改撤）") { Year, County, target, points, Reason, evidence, id, withdraw, ExpectedVersion };
        adjust.SetAction((parse, ct) => Run(parse, ct: ct, action: async (client, options) =>
        {
            var request = new AdjustScoreRequest
            {
                Year = parse.GetValue(Year),
                County = parse.GetValue(County) ?? "",
                Target = parse.GetValue(target) ?? "",
                Points = parse.GetValue(points),
                Reason = parse.GetValue(Reason) ?? "",
                Evidence = parse.GetValue(evidence) ?? "",
                AdjustmentId = parse.GetValue(id) ?? "",
                Withdraw = parse.GetValue(withdraw),
            };
            if (parse.GetValue(ExpectedVersion) is { } v)
            {
                request.ExpectedVersion = v;
            }

            Print(await client.AdjustScoreAsync(request, options), request.County);
        }));

        return new Command("county", "县（区）审核：上报、退回、审核通过、延期与核查调整")
        {
            status,
            Transition("submit", "上报本县（区）数据，进入审核（县级密钥）", (c, r, o) => c.SubmitForReviewAsync(r, o)),
            Transition("return", "退回县（区）数据（须说明理由），各单位可再修改", (c, r, o) => c.ReturnCountyAsync(r, o)),
            Transition("approve", "审核通过", (c, r, o) => c.ApproveCountyAsync(r, o)),
            extend,
            adjust,
        };
    }

    private static RoundTransitionRequest Request(int year, int? version)
    {
        var request = new RoundTransitionRequest { Year = year };
        if (version is { } v)
        {
            request.ExpectedVersion = v;
        }

        return request;
    }

    private static PublishRoundRequest PublishRequest(int year, int? version)
    {
        var request = new PublishRoundRequest { Year = year };
        if (version is { } v)
        {
            request.ExpectedVersion = v;
        }

        return request;
    }

    private static async Task<int> Run(ParseResult parse, Func<AssessmentService.AssessmentServiceClient, CallOptions, Task> action, CancellationToken ct)
    {
        var (channel, options) = Connection.Open(parse, ct);
        using (channel)
        {
            await action(new AssessmentService.AssessmentServiceClient(channel), options);
        }

        return 0;
    }

    private static void Print(RoundSummary round)
    {
        var c = round.Completeness;
        Console.WriteLine($"{round.Year} 年度考核：{Assessment.Domain.Workflow.WorkflowNames.Named(round.Phase) ?? round.Phase}（版本 {round.Version}，评分细则 {round.Scheme}，指标目录第 {round.CatalogVersion} 版）");
        Console.WriteLine($"填报截止 {BeijingTime.Format(round.SubmissionDeadline)}；审核截止 {BeijingTime.Format(round.ReviewDeadline)}");
        Console.WriteLine($"县（区）{c.Counties} 个：填报中 {c.Collecting}，已上报 {c.Submitted}，已退回 {c.Returned}，审核通过 {c.Reviewed}，已发布 {c.Published}");
        Console.WriteLine($"单位：应报 {c.UnitsExpected}，已报 {c.UnitsSubmitted}（按时 {c.OnTime}，逾期 {c.Late}），缺报数值 {c.MissingValues} 项");
        Console.WriteLine($"可执行：{May(("设置", round.MayDefine), ("开启", round.MayOpen), ("截止填报", round.MayClose), ("发布", round.MayPublish))}");
    }

    private static void Print(CountyWorkflow w, string name)
    {
        var c = w.Completeness;
        Console.WriteLine($"{(name.Length > 0 ? name : w.County)}：{Assessment.Domain.Workflow.WorkflowNames.Named(w.Status) ?? w.Status}（版本 {w.Version}）");
        Console.WriteLine($"填报截止 {BeijingTime.Format(w.Deadline)}{(w.Extension is null ? "" : $"，已延期至 {BeijingTime.Format(w.Extension)}")}");
        if (w.ReturnReason.Length > 0)
        {
            Console.WriteLine($"退回理由：{w.ReturnReason}");
        }

        Console.WriteLine($"单位：应报 {c.UnitsExpected}，已报 {c.UnitsSubmitted}（按时 {c.OnTime}，逾期 {c.Late}），缺报数值 {c.MissingValues} 项");
        var units = new TextTable(["单位", "版本", "最近提交", "逾期", "缺报数值"]);
        foreach (var u in c.Units)
        {
            units.Add([u.Name, u.Version.ToString(CultureInfo.InvariantCulture), BeijingTime.Format(u.LastStoredAt), u.Late ? "是" : "", u.MissingValues.ToString(CultureInfo.InvariantCulture)]);
        }

        Console.Write(units);
        if (w.Adjustments.Count > 0)
        {
            var adjustments = new TextTable(["编号", "对象", "分值", "理由", "依据", "操作人"]);
            foreach (var a in w.Adjustments)
            {
                adjustments.Add([a.Id, a.Target, TextTable.Number(a.Points), a.Reason, a.Evidence, a.Actor]);
            }

            Console.Write(adjustments);
        }

        Console.WriteLine($"审计链：{w.AuditHead.Count} 条，链尾 {w.AuditHead.Hash[..Math.Min(16, w.AuditHead.Hash.Length)]}");
        var may = May(("填报", w.MaySubmit), ("上报", w.MaySubmitForReview), ("退回", w.MayReturn), ("审核通过", w.MayApprove), ("调整", w.MayAdjust), ("延期", w.MayExtend), ("录入考核办指标", w.MayEnterAssessorValues));
        // Nothing for this key to do: say whose turn it is.
        Console.WriteLine($"可执行：{(may != "无" ? may : w.Status switch
        {
            "collecting" or "returned" => "无（等待县（区）上报）",
            "submitted" => "无（等待市级考核办审核）",
            "reviewed" => "无（已审核通过，等待发布结果）",
            "published" => "无（结果已发布）",
            _ => may,
        })}");
    }

    private static string May(params (string Name, bool Allowed)[] actions) =>
        actions.Any(a => a.Allowed) ? string.Join("、", actions.Where(a => a.Allowed).Select(a => a.Name)) : "无";
}
