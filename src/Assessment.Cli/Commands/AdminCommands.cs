using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess admin …</c>: tenants, counties, units and keys. Operators name the tenant with <c>--tenant</c>; a tenant
/// administrator's key already fixes it.
/// </summary>
public static class AdminCommands
{
    private static readonly Option<string?> Tenant = new("--tenant") { Description = "租户标识（平台运维必填；租户管理员可省略）" };

    public static Command Create()
    {
        var id = new Option<string>("--id") { Description = "标识：小写字母、数字与连字符", Required = true };
        var name = new Option<string>("--name") { Description = "名称", Required = true };
        var issuer = new Option<string>("--issuer") { Description = "发文机关", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "文号前缀", Required = true };
        var recipients = new Option<string>("--recipients") { Description = "主送", DefaultValueFactory = _ => "各县（区）" };
        var publishScores = new Option<bool>("--publish-scores") { Description = "通报公布得分（默认只公布等次）" };
        var createTenant = new Command("create", "新建租户（市、州、地区）") { id, name, issuer, prefix, recipients, publishScores };
        createTenant.SetAction((parse, ct) => Run(parse, async (client, options) => Print(await client.CreateTenantAsync(new CreateTenantRequest
        {
            Tenant = parse.GetValue(id)!,
            Name = parse.GetValue(name)!,
            Issuer = parse.GetValue(issuer)!,
            DocumentPrefix = parse.GetValue(prefix)!,
            Recipients = parse.GetValue(recipients)!,
            PublishScores = parse.GetValue(publishScores),
        }, options)), ct));
        var showTenant = new Command("show", "显示租户与名单") { Tenant };
        showTenant.SetAction((parse, ct) => Run(parse, async (client, options) =>
            Print(await client.GetTenantAsync(new GetTenantRequest { Tenant = parse.GetValue(Tenant) ?? "" }, options)), ct));

        var county = new Option<string>("--county") { Description = "县（区）标识", Required = true };
        var group = new Option<string?>("--group") { Description = "分组（如 区、县），对应评分细则中的等次标准" };
        var addCounty = new Command("add", "向名单添加县（区）") { Tenant, county, name, group };
        addCounty.SetAction((parse, ct) => Run(parse, async (client, options) => Print(await client.AddCountyAsync(new AddCountyRequest
        {
            Tenant = parse.GetValue(Tenant) ?? "",
            County = parse.GetValue(county)!,
            Name = parse.GetValue(name)!,
            Group = parse.GetValue(group) ?? "",
        }, options)), ct));

        var unit = new Option<string>("--unit") { Description = "单位标识", Required = true };
        var kind = new Option<string?>("--kind") { Description = "单位类型：township（乡镇、街道）或 department（县直部门，默认）" };
        var addUnit = new Command("add", "向县（区）添加填报单位") { Tenant, county, unit, name, kind };
        addUnit.SetAction((parse, ct) => Run(parse, async (client, options) => Print(await client.AddUnitAsync(new AddUnitRequest
        {
            Tenant = parse.GetValue(Tenant) ?? "",
            County = parse.GetValue(county)!,
            Unit = parse.GetValue(unit)!,
            Name = parse.GetValue(name)!,
            Kind = parse.GetValue(kind) ?? "",
        }, options)), ct));

        var role = new Option<string>("--role") { Description = "角色：unit、county、assessor、member、leader、tenant_admin、operator", Required = true };
        var keyCounty = new Option<string?>("--county") { Description = "县（区）标识（县级与单位密钥）" };
        var keyUnit = new Option<string?>("--unit") { Description = "单位标识（单位密钥）" };
        var expires = new Option<string?>("--expires") { Description = "失效时间（北京时间，yyyy-MM-dd 或 yyyy-MM-dd HH:mm）" };
        var issue = new Command("issue", "签发密钥（只显示这一次，平台只保存其 SHA-256）") { Tenant, role, keyCounty, keyUnit, name, expires };
        issue.SetAction((parse, ct) => Run(parse, async (client, options) =>
        {
            var request = new IssueCredentialRequest
            {
                Tenant = parse.GetValue(Tenant) ?? "",
                Role = parse.GetValue(role)!,
                County = parse.GetValue(keyCounty) ?? "",
                Unit = parse.GetValue(keyUnit) ?? "",
                Name = parse.GetValue(name)!,
            };
            if (parse.GetValue(expires) is { } until)
            {
                request.ExpiresAt = Timestamp.FromDateTimeOffset(BeijingTime.Parse(until, "--expires"));
            }

            PrintIssued(await client.IssueCredentialAsync(request, options));
        }, ct));

        var list = new Command("list", "列出密钥（不含密钥本身）") { Tenant };
        list.SetAction((parse, ct) => Run(parse, async (client, options) =>
        {
            var table = new TextTable(["编号", "角色", "县（区）", "单位", "持有人", "签发", "失效", "状态"]);
            var token = "";
            do
            {
                var page = await client.ListCredentialsAsync(new ListCredentialsRequest { Tenant = parse.GetValue(Tenant) ?? "", PageSize = 500, PageToken = token }, options);
                foreach (var c in page.Credentials)
                {
                    table.Add([c.Id, c.Role, c.County, c.Unit, c.Name, BeijingTime.Format(c.CreatedAt), BeijingTime.Format(c.ExpiresAt), c.Revoked ? "已撤销" : "有效"]);
                }

                token = page.NextPageToken;
            }
            while (token.Length > 0);

            Console.Write(table);
        }, ct));

        var keyId = new Argument<string>("id") { Description = "密钥编号（key list 中的“编号”）" };
        var rotate = new Command("rotate", "轮换密钥：签发同权限的新密钥并撤销旧密钥") { Tenant, keyId };
        rotate.SetAction((parse, ct) => Run(parse, async (client, options) =>
            PrintIssued(await client.RotateCredentialAsync(new CredentialRef { Tenant = parse.GetValue(Tenant) ?? "", Id = parse.GetValue(keyId)! }, options)), ct));
        var revoke = new Command("revoke", "撤销密钥：下一次调用起即被拒绝") { Tenant, keyId };
        revoke.SetAction((parse, ct) => Run(parse, async (client, options) =>
        {
            var c = await client.RevokeCredentialAsync(new CredentialRef { Tenant = parse.GetValue(Tenant) ?? "", Id = parse.GetValue(keyId)! }, options);
            Console.WriteLine($"已撤销 {c.Id}（{c.Role}，{c.Name}）。");
        }, ct));

        return new Command("admin", "平台与租户管理：租户、名单、密钥、个人账号与事件订阅")
        {
            new Command("tenant", "租户") { createTenant, showTenant },
            new Command("county", "县（区）") { addCounty },
            new Command("unit", "填报单位") { addUnit },
            new Command("key", "密钥") { issue, list, rotate, revoke },
            AccountCommands.Create(Tenant, Run),
            EventCommands.Create(Tenant, Run),
            SingleSignOnCommands.Create(Tenant, Run),
        };
    }

    private static async Task<int> Run(ParseResult parse, Func<AdminService.AdminServiceClient, CallOptions, Task> action, CancellationToken ct)
    {
        var (channel, options) = Connection.Open(parse, ct);
        using (channel)
        {
            await action(new AdminService.AdminServiceClient(channel), options);
        }

        return 0;
    }

    private static void PrintIssued(IssuedCredential issued)
    {
        Console.WriteLine($"密钥（只显示这一次，请妥善交给持有人）：{issued.Key}");
        Console.WriteLine($"编号 {issued.Credential.Id}，角色 {issued.Credential.Role}，持有人 {issued.Credential.Name}");
    }

    private static void Print(TenantInfo tenant)
    {
        Console.WriteLine($"{tenant.Name}（{tenant.Tenant}）：{tenant.Issuer}，文号前缀 {tenant.DocumentPrefix}，主送 {tenant.Recipients}");
        var table = new TextTable(["县（区）", "名称", "分组", "单位"]);
        foreach (var c in tenant.Counties)
        {
            table.Add([c.Id, c.Name, c.Group, string.Join("、", c.Units.Select(u => $"{u.Name}（{u.Id}）"))]);
        }

        Console.Write(table);
    }
}
