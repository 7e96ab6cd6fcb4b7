using System.CommandLine;
using Assessment.Contracts.V1;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess admin sso …</c>: the tenant's single sign-on (统一身份认证) by OpenID Connect — the provider, the client
/// the platform is registered as there, and which values of the role claim mean which role.
/// </summary>
public static class SingleSignOnCommands
{
    public static Command Create(Option<string?> tenant, Func<ParseResult, Func<AdminService.AdminServiceClient, CallOptions, Task>, CancellationToken, Task<int>> run)
    {
        var issuer = new Option<string>("--issuer") { Description = "认证服务的 issuer（与其发现文档中的 issuer 逐字相同，https）", Required = true };
        var client = new Option<string>("--client-id") { Description = "认证服务为本平台登记的 client_id", Required = true };
        var secretFile = new Option<FileInfo?>("--client-secret-file") { Description = "存放 client_secret 的文件（不在命令行中写密钥；不给则保留已存的密钥，或作为公开客户端）" };
        var roles = new Option<string[]>("--role")
        {
            Description = "角色对应，形如 值=角色（角色：unit、county、assessor、member、leader、tenant_admin），可重复，按给出的顺序取第一条匹配",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var roleClaim = new Option<string?>("--role-claim") { Description = "携带角色的声明名（默认 roles）" };
        var countyClaim = new Option<string?>("--county-claim") { Description = "携带县（区）标识的声明名（默认 county）" };
        var unitClaim = new Option<string?>("--unit-claim") { Description = "携带单位标识的声明名（默认 unit）" };
        var nameClaim = new Option<string?>("--name-claim") { Description = "携带姓名的声明名（默认 name）" };
        var emailClaim = new Option<string?>("--email-claim") { Description = "携带电子邮件的声明名（默认 email）" };
        var tenantClaim = new Option<string?>("--tenant-claim") { Description = "表明人员所属地市的声明名（如 city_code）；多个租户共用一个认证服务时必填" };
        var tenantValues = new Option<string[]>("--tenant-value") { Description = "本租户人员在该声明中的取值（如 540600），可重复", AllowMultipleArgumentsPerToken = false };
        var trust = new Option<bool>("--trust-provider-second-factor")
        {
            Description = "认证服务对所有登录都要求第二重验证：考核办、考核组成员与租户管理员不再核对 amr 声明",
        };
        var set = new Command("set", "设置统一身份认证：设置时即读取认证服务的发现文档核对 issuer")
        {
            tenant, issuer, client, secretFile, roles, roleClaim, countyClaim, unitClaim, nameClaim, emailClaim, tenantClaim, tenantValues, trust,
        };
        set.Validators.Add(result =>
        {
            foreach (var pair in result.GetValue(roles) ?? [])
            {
                var at = pair.LastIndexOf('=');
                if (at <= 0 || at == pair.Length - 1)
                {
                    result.AddError($"--role 须形如 值=角色，如 法治督察科=assessor（“{pair}”不是）");
                }
            }
        });
        set.SetAction((parse, ct) => run(parse, async (admin, options) =>
        {
            var request = new SetSingleSignOnRequest
            {
                Tenant = parse.GetValue(tenant) ?? "",
                Issuer = parse.GetValue(issuer)!,
                ClientId = parse.GetValue(client)!,
                ClientSecret = parse.GetValue(secretFile) is { } file ? (await File.ReadAllTextAsync(file.FullName, ct)).Trim() : "",
                RoleClaim = parse.GetValue(roleClaim) ?? "",
                CountyClaim = parse.GetValue(countyClaim) ?? "",
                UnitClaim = parse.GetValue(unitClaim) ?? "",
                NameClaim = parse.GetValue(nameClaim) ?? "",
                EmailClaim = parse.GetValue(emailClaim) ?? "",
                TenantClaim = parse.GetValue(tenantClaim) ?? "",
                TenantValues = { parse.GetValue(tenantValues) ?? [] },
                TrustProviderSecondFactor = parse.GetValue(trust),
            };
            foreach (var pair in parse.GetValue(roles) ?? [])
            {
                var at = pair.LastIndexOf('=');
                request.Roles.Add(new RoleMapping { Value = pair[..at], Role = pair[(at + 1)..] });
            }

            Print(await admin.SetSingleSignOnAsync(request, options));
        }, ct));

        var show = new Command("show", "查看统一身份认证的设置") { tenant };
        show.SetAction((parse, ct) => run(parse, async (admin, options) =>
            Print(await admin.GetSingleSignOnAsync(new GetSingleSignOnRequest { Tenant = parse.GetValue(tenant) ?? "" }, options)), ct));

        var off = new Command("off", "关闭统一身份认证（已开设的账号保留，可逐个停用）") { tenant };
        off.SetAction((parse, ct) => run(parse, async (admin, options) =>
            Print(await admin.SetSingleSignOnAsync(new SetSingleSignOnRequest { Tenant = parse.GetValue(tenant) ?? "" }, options)), ct));

        return new Command("sso", "统一身份认证（OpenID Connect 单点登录）") { set, show, off };
    }

    private static void Print(SingleSignOn sso)
    {
        if (!sso.Enabled)
        {
            Console.WriteLine("统一身份认证：未开通。");
            return;
        }

        Console.WriteLine($"统一身份认证：已开通。issuer {sso.Issuer}，client_id {sso.ClientId}，客户端密钥{(sso.HasClientSecret ? "已保存" : "无（公开客户端）")}。");
        Console.WriteLine($"在认证服务登记的回调地址：<工作台地址>{sso.RedirectPath}");
        Console.WriteLine($"声明：角色 {sso.RoleClaim}，县（区） {sso.CountyClaim}，单位 {sso.UnitClaim}，姓名 {sso.NameClaim}，电子邮件 {sso.EmailClaim}");
        Console.WriteLine(sso.TenantClaim.Length == 0 ? "租户声明：未设置（本认证服务只供本租户使用）" : $"租户声明：{sso.TenantClaim} ∈ {{{string.Join("，", sso.TenantValues)}}}");
        Console.WriteLine(sso.TrustProviderSecondFactor ? "第二重验证：由认证服务保证" : "第二重验证：考核办、考核组成员与租户管理员须在认证服务以第二重验证登录（amr）");
        foreach (var r in sso.Roles)
        {
            Console.WriteLine($"  {r.Value} → {r.Role}");
        }
    }
}
