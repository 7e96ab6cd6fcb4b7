using System.CommandLine;
using Assessment.Contracts.V1;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess admin account …</c>: personal accounts for people who sign in to the workbench (the tenant admin's
/// 账号管理 page does the same). Creating or resetting prints the one-time link through which the person sets a
/// password.
/// </summary>
public static class AccountCommands
{
    public static Command Create(Option<string?> tenant, Func<ParseResult, Func<AdminService.AdminServiceClient, CallOptions, Task>, CancellationToken, Task<int>> run)
    {
        var web = new Option<string?>("--web") { Description = "工作台地址（如 https://kaohe.example.gov.cn），用于打印完整的设置密码链接" };
        var login = new Option<string>("--login") { Description = "登录名：小写字母、数字与 . _ -", Required = true };
        var name = new Option<string>("--name") { Description = "姓名", Required = true };
        var role = new Option<string>("--role") { Description = "角色：unit、county、assessor、member、leader、tenant_admin", Required = true };
        var county = new Option<string?>("--county") { Description = "县（区）标识（县级与单位账号）" };
        var unit = new Option<string?>("--unit") { Description = "单位标识（单位账号）" };
        var email = new Option<string?>("--email") { Description = "电子邮件（可选）" };
        var add = new Command("add", "开设个人账号，打印设置密码的一次性链接") { tenant, login, name, role, county, unit, email, web };
        add.SetAction((parse, ct) => run(parse, async (client, options) => PrintSetup(await client.CreateAccountAsync(new CreateAccountRequest
        {
            Tenant = parse.GetValue(tenant) ?? "",
            Login = parse.GetValue(login)!,
            Name = parse.GetValue(name)!,
            Role = parse.GetValue(role)!,
            County = parse.GetValue(county) ?? "",
            Unit = parse.GetValue(unit) ?? "",
            Email = parse.GetValue(email) ?? "",
        }, options), parse.GetValue(web)), ct));

        var list = new Command("list", "列出个人账号") { tenant };
        list.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var table = new TextTable(["登录名", "姓名", "角色", "县（区）", "单位", "编号", "动态口令", "状态"]);
            foreach (var a in (await client.ListAccountsAsync(new ListAccountsRequest { Tenant = parse.GetValue(tenant) ?? "" }, options)).Accounts)
            {
                table.Add([a.Login, a.Name, a.Role, a.County, a.Unit, a.Id, a.SecondFactor ? "已绑定" : "—", State(a.State)]);
            }

            Console.Write(table);
        }, ct));

        var target = new Argument<string>("login") { Description = "登录名" };
        var reset = new Command("reset", "重置账号：清除密码、动态口令与锁定，打印新的设置密码链接") { tenant, target, web };
        reset.SetAction((parse, ct) => run(parse, async (client, options) =>
            PrintSetup(await client.ResetAccountAsync(new AccountRef { Tenant = parse.GetValue(tenant) ?? "", Login = parse.GetValue(target)! }, options), parse.GetValue(web)), ct));
        var disable = new Command("disable", "停用账号：其登录会话立即结束") { tenant, target };
        disable.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var a = await client.DisableAccountAsync(new AccountRef { Tenant = parse.GetValue(tenant) ?? "", Login = parse.GetValue(target)! }, options);
            Console.WriteLine($"已停用账号 {a.Login}（{a.Name}），其登录会话已结束。");
        }, ct));

        return new Command("account", "个人账号（人员在工作台登录用；系统对接用密钥）") { add, list, reset, disable };
    }

    private static string State(string state) => state switch
    {
        "pending" => "待设置密码",
        "active" => "正常",
        "locked" => "已锁定",
        "disabled" => "已停用",
        _ => state,
    };

    private static void PrintSetup(AccountSetup setup, string? web)
    {
        var path = $"/account/setup?token={setup.SetupToken}";
        Console.WriteLine($"账号 {setup.Account.Login}（{setup.Account.Name}，{setup.Account.Role}），编号 {setup.Account.Id}。");
        Console.WriteLine(web is { Length: > 0 }
            ? $"设置密码链接（只显示这一次，3 天内有效）：{web.TrimEnd('/')}{path}"
            : $"设置密码链接（只显示这一次，3 天内有效）：<工作台地址>{path}");
    }
}
