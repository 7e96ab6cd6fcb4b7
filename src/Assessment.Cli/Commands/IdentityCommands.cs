using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Cli.Commands;

/// <summary><c>assess whoami</c> and <c>assess catalog</c>: who a key is, and which indicators exist and who reports them.</summary>
public static class IdentityCommands
{
    private static readonly Dictionary<string, string> RoleNames = new(StringComparer.Ordinal)
    {
        ["unit"] = "单位填报员",
        ["county"] = "县级",
        ["assessor"] = "市级考核人员",
        ["leader"] = "领导（只读）",
        ["tenant_admin"] = "租户管理员",
        ["operator"] = "平台运维",
    };

    public static Command WhoAmI()
    {
        var command = new Command("whoami", "显示当前 API 密钥的角色、所属市（州）、县（区）与单位");
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var me = await new AccountService.AccountServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), options);
                Console.WriteLine($"角色：{RoleNames.GetValueOrDefault(me.Role, me.Role)}（{me.Role}）");
                Console.WriteLine($"名称：{me.Name}");
                Console.WriteLine($"密钥编号：{me.CredentialId}");
                Console.WriteLine($"市（州）：{Named(me.TenantName, me.Tenant)}");
                if (me.County.Length > 0)
                {
                    Console.WriteLine($"县（区）：{Named(me.CountyName, me.County)}");
                }

                if (me.Unit.Length > 0)
                {
                    Console.WriteLine($"单位：{Named(me.UnitName, me.Unit)}");
                }

                Console.WriteLine($"有效期至：{(me.ExpiresAt is null ? "长期有效" : BeijingTime.Format(me.ExpiresAt))}");
            }

            return 0;
        });
        return command;
    }

    public static Command Catalog()
    {
        var scheme = new Option<FileInfo?>("--scheme") { Description = "按此评分细则文件标出计分指标（默认：平台内置细则）" };
        var mine = new Option<bool>("--mine") { Description = "只列出当前密钥（单位或县级）须填报的指标" };
        var command = new Command("catalog", "列出指标目录：代码、名称、类型、计量单位、填报方、是否计分") { scheme, mine };
        command.SetAction(async (parse, ct) =>
        {
            var catalog = IndicatorCatalog.Default;
            var file = parse.GetValue(scheme);
            var pinned = file is null
                ? SchemeLoader.Default(catalog)
                : SchemeLoader.Load(await File.ReadAllTextAsync(file.FullName, ct), file.Name, catalog);
            var scored = pinned.Dimensions.SelectMany(d => d.Lines.Select(l => l.Indicator).Concat(d.Deductions.Select(e => e.Indicator)))
                .Concat(pinned.Bonus.Select(b => b.Indicator)).Concat(pinned.Veto).ToHashSet(StringComparer.Ordinal);
            IndicatorSource? only = null;
            if (parse.GetValue(mine))
            {
                var (channel, options) = Connection.Open(parse, ct);
                using (channel)
                {
                    var me = await new AccountService.AccountServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), options);
                    only = me.Role switch
                    {
                        "unit" => IndicatorSource.Unit,
                        "county" => IndicatorSource.County,
                        _ => throw new UsageException("--mine 只适用于单位或县级密钥：其他角色不填报指标。"),
                    };
                }
            }

            var table = new TextTable("代码", "名称", "类型", "计量单位", "填报方", $"计分（{pinned.Id}）");
            foreach (var i in catalog.Indicators.Where(i => only is null || i.AcceptsFrom(only.Value)))
            {
                table.Add(i.Code, i.Name, Kind(i), i.Unit ?? (i.Kind == IndicatorKind.Rate ? "%" : ""), Source(i.Source), scored.Contains(i.Code) ? "是" : "");
            }

            Console.Write(table);
            Console.WriteLine($"共 {catalog.Indicators.Count(i => only is null || i.AcceptsFrom(only.Value)).ToString(CultureInfo.InvariantCulture)} 项；是/否类指标填 1（是）或 0（否），~ 表示未填报。");
            return 0;
        });
        return command;
    }

    private static string Named(string name, string id) => name.Length == 0 ? id : $"{name}（{id}）";

    private static string Kind(Indicator i) => i.Kind switch
    {
        IndicatorKind.Count => "计数",
        IndicatorKind.Event => "事件数",
        IndicatorKind.Amount => i.Unit is "万元" or "元" ? "金额" : "数值（可含小数）",
        IndicatorKind.Rate => i.IsComputedRate ? "比率（平台按分子分母计算，不填报）" : "比率",
        IndicatorKind.Score => "得分",
        IndicatorKind.Flag => "是/否",
        _ => i.Kind.ToString(),
    };

    private static string Source(IndicatorSource source) => source switch
    {
        IndicatorSource.Unit => "下属单位",
        IndicatorSource.County => "县（区）本级",
        IndicatorSource.Assessor => "考核办",
        _ => "系统计算",
    };
}
