using System.Net;
using Assessment.Contracts.V1;
using AuditChain = Assessment.Domain.Workflow.AuditChain;
using AuditRecord = Assessment.Domain.Workflow.AuditRecord;
using Assessment.Integration.Tests.Infrastructure;
using AngleSharp.Html.Parser;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Personal accounts without a browser: the admin RPCs (idempotent on their request id, every malformed login refused
/// with nothing created), the CLI, the lock counted exactly under concurrent wrong passwords, and the tenant's account
/// audit chain, which records every change and sign-in and verifies.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AccountTests(PlatformFixture platform)
{
    private AdminService.AdminServiceClient Admin => new(platform.Server.Channel);

    private async Task<(string Tenant, CallOptions Admin)> TenantAsync()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var key = await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()));
        return (tenant.Id, As(key.Key));
    }

    [Fact]
    public async Task Creating_is_idempotent_on_its_request_id_and_every_malformed_request_creates_nothing()
    {
        var (_, admin) = await TenantAsync();
        var request = new CreateAccountRequest { Login = "zhang.san", Name = "张三", Role = "county", County = "c1", RequestId = Guid.NewGuid().ToString() };
        var first = await Admin.CreateAccountAsync(request, admin);
        var retry = await Admin.CreateAccountAsync(request, admin);
        Assert.Equal(first.SetupToken, retry.SetupToken);
        Assert.Equal("pending", first.Account.State);
        Assert.Equal(16, first.Account.Id.Length);

        var again = request.Clone();
        again.RequestId = Guid.NewGuid().ToString();
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => Admin.CreateAccountAsync(again, admin).ResponseAsync)).StatusCode);

        var logins = new[] { "", "a", "Zhang", "zhang san", "-zhang", ".zhang", "张三", "zhang\u0000", "zhang\u202e", new string('z', 65), "zhang/../x", "zhang@x" };
        var cases = logins.Select(l => (Field: "login", Request: new CreateAccountRequest { Login = l, Name = "某人", Role = "leader" }))
            .Concat(new[]
            {
                ("role", new CreateAccountRequest { Login = "r1", Name = "某人", Role = "operator" }),
                ("role", new CreateAccountRequest { Login = "r2", Name = "某人", Role = "" }),
                ("county", new CreateAccountRequest { Login = "r3", Name = "某人", Role = "unit" }),
                ("county", new CreateAccountRequest { Login = "r4", Name = "某人", Role = "leader", County = "c1" }),
                ("unit", new CreateAccountRequest { Login = "r5", Name = "某人", Role = "county", County = "c1", Unit = "u1" }),
                ("unit", new CreateAccountRequest { Login = "r6", Name = "某人", Role = "unit", County = "c1" }),
                ("name", new CreateAccountRequest { Login = "r7", Name = "", Role = "leader" }),
                ("email", new CreateAccountRequest { Login = "r8", Name = "某人", Role = "leader", Email = "not an address" }),
            });
        foreach (var (field, bad) in cases)
        {
            bad.RequestId = Guid.NewGuid().ToString();
            await Refusals.ExpectAsync(StatusCode.InvalidArgument, field, () => Admin.CreateAccountAsync(bad, admin).ResponseAsync);
        }

        await Refusals.ExpectAsync(StatusCode.NotFound, null, () => Admin.CreateAccountAsync(
            new CreateAccountRequest { Login = "r9", Name = "某人", Role = "unit", County = "c1", Unit = "nope", RequestId = Guid.NewGuid().ToString() }, admin).ResponseAsync);
        Assert.Equal(["zhang.san"], (await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts.Select(a => a.Login));
    }

    [Fact]
    public async Task Concurrent_wrong_passwords_are_each_counted_the_reset_recovers_and_the_audit_chain_records_and_verifies_it_all()
    {
        var (tenant, admin) = await TenantAsync();
        var created = await Admin.CreateAccountAsync(new CreateAccountRequest { Login = "li.si", Name = "李四", Role = "leader", RequestId = Guid.NewGuid().ToString() }, admin);
        using var http = Web();
        Assert.Equal(HttpStatusCode.Redirect, (await SetPasswordAsync(http, created.SetupToken, "领导-阅文-2026")).StatusCode);

        // Ten wrong passwords at once: each is counted or meets the lock; a count is never lost to a race (one statement each).
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = Web();
            return (await SignInAsync(client, tenant, "li.si", $"wrong-{i}-password")).StatusCode;
        }));
        Assert.Equal(4, answers.Count(a => a == HttpStatusCode.Unauthorized));
        Assert.Equal(6, answers.Count(a => a == HttpStatusCode.Locked));
        Assert.Equal("locked", (await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts.Single().State);
        Assert.Equal(HttpStatusCode.Locked, (await SignInAsync(Web(), tenant, "li.si", "领导-阅文-2026")).StatusCode);

        var reset = await Admin.ResetAccountAsync(new AccountRef { Login = "li.si", RequestId = Guid.NewGuid().ToString() }, admin);
        Assert.Equal("pending", reset.Account.State);
        await SetPasswordAsync(http, reset.SetupToken, "领导-阅文-2027");
        var signedIn = await SignInAsync(http, tenant, "li.si", "领导-阅文-2027");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/bulletins")).StatusCode);

        // A reset (a stolen password, a lost phone) signs out whoever is signed in.
        var again = await Admin.ResetAccountAsync(new AccountRef { Login = "li.si", RequestId = Guid.NewGuid().ToString() }, admin);
        Assert.Contains("/login", (await http.GetAsync("/bulletins")).Headers.Location!.OriginalString, StringComparison.Ordinal);
        await SetPasswordAsync(http, again.SetupToken, "领导-阅文-2028");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(http, tenant, "li.si", "领导-阅文-2028")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/bulletins")).StatusCode);

        var disabled = await Admin.DisableAccountAsync(new AccountRef { Login = "li.si", RequestId = Guid.NewGuid().ToString() }, admin);
        Assert.Equal("disabled", disabled.State);
        var after = await http.GetAsync("/bulletins");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/login", after.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // The tenant's account chain: intact, and it tells the story.
        var records = new List<AuditRecord>();
        await using (var db = Npgsql.NpgsqlDataSource.Create(platform.Server.Config.ConnectionString))
        await using (var read = db.CreateCommand("SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = @chain ORDER BY idx"))
        {
            read.Parameters.AddWithValue("chain", $"{tenant}/accounts");
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                records.Add(new AuditRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        Assert.True(AuditChain.Verify(records).Intact);
        var actions = records.Select(r => AuditChain.Parse(r.Body).Action).ToList();
        foreach (var action in new[] { "account_create", "password_set", "sign_in_failed", "account_locked", "account_reset", "sign_in", "account_disable" })
        {
            Assert.Contains(action, actions);
        }

        // Each attempt was counted before it was checked: five got through, the fifth locked, the other five met the lock.
        Assert.Equal(5, actions.Count(a => a == "sign_in_failed"));
        Assert.Equal(1, actions.Count(a => a == "account_locked"));
    }

    [Fact]
    public async Task The_cli_opens_lists_resets_and_disables_accounts()
    {
        var (_, admin) = await TenantAsync();
        var key = admin.Headers!.GetValue("authorization")!["Bearer ".Length..];
        var added = await AssessCli.RunAsync(platform.Server, key, "admin", "account", "add", "--login", "wang.wu", "--name", "王五", "--role", "unit", "--county", "c1", "--unit", "u2", "--web", "https://kaohe.example.gov.cn");
        Assert.True(added.Exit == 0, added.Out + added.Err);
        Assert.Contains("https://kaohe.example.gov.cn/account/setup?token=", added.Out, StringComparison.Ordinal);
        var listed = await AssessCli.RunAsync(platform.Server, key, "admin", "account", "list");
        Assert.Contains("wang.wu", listed.Out, StringComparison.Ordinal);
        Assert.Contains("待设置密码", listed.Out, StringComparison.Ordinal);
        var reset = await AssessCli.RunAsync(platform.Server, key, "admin", "account", "reset", "wang.wu");
        Assert.True(reset.Exit == 0 && reset.Out.Contains("/account/setup?token=", StringComparison.Ordinal), reset.Out + reset.Err);
        var disabled = await AssessCli.RunAsync(platform.Server, key, "admin", "account", "disable", "wang.wu");
        Assert.True(disabled.Exit == 0, disabled.Out + disabled.Err);
        Assert.Contains("已停用", (await AssessCli.RunAsync(platform.Server, key, "admin", "account", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_step_left_open_cannot_be_finished_after_the_account_was_reset()
    {
        var (tenant, admin) = await TenantAsync();
        var created = await Admin.CreateAccountAsync(new CreateAccountRequest { Login = "zhao.liu", Name = "赵六", Role = "assessor", RequestId = Guid.NewGuid().ToString() }, admin);
        using var http = Web();
        await SetPasswordAsync(http, created.SetupToken, "考核办-值守-2026");
        using var attacker = Web();
        var step = await SignInAsync(attacker, tenant, "zhao.liu", "考核办-值守-2026");
        Assert.EndsWith("/login/code", step.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/login/code")).StatusCode);

        // The admin resets the account (its password was seen): the half-finished sign-in leads back to the sign-in page,
        // and no authenticator secret is handed out on it.
        await Admin.ResetAccountAsync(new AccountRef { Login = "zhao.liu", RequestId = Guid.NewGuid().ToString() }, admin);
        var after = await attacker.GetAsync("/login/code");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/login", after.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var fields = await FormAsync(attacker, "/login", "form#account-login");
        fields["code"] = "123456";
        var posted = await attacker.PostAsync("/login/code", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("pending", (await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts.Single().State);
    }

    [Fact]
    public async Task An_account_of_a_role_the_platform_does_not_know_is_never_stored()
    {
        var (tenant, _) = await TenantAsync();
        await using var db = Npgsql.NpgsqlDataSource.Create(platform.Server.Config.ConnectionString);
        foreach (var role in new[] { "operator", "Assessor", "admin", "", "tenant-admin", "member ", "tenantadmin", "7" })
        {
            await using var insert = db.CreateCommand("INSERT INTO accounts (tenant, login, id, name, role, created_at) VALUES (@t, @l, @i, '某人', @r, now())");
            insert.Parameters.AddWithValue("t", tenant);
            insert.Parameters.AddWithValue("l", "role-" + Guid.NewGuid().ToString("N")[..8]);
            insert.Parameters.AddWithValue("i", Guid.NewGuid().ToString("N")[..16]);
            insert.Parameters.AddWithValue("r", role);
            var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.Equal("23514", refused.SqlState); // check_violation
        }

        Assert.Empty((await Admin.ListAccountsAsync(new ListAccountsRequest { Tenant = tenant }, As(platform.Server.OperatorKey()))).Accounts);
    }

    private HttpClient Web() =>
        new(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };

    private static async Task<HttpResponseMessage> SetPasswordAsync(HttpClient http, string token, string password)
    {
        var fields = await FormAsync(http, $"/account/setup?token={token}", "form#setup-form");
        fields["password"] = password;
        fields["confirm"] = password;
        return await http.PostAsync("/account/setup", new FormUrlEncodedContent(fields));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient http, string tenant, string login, string password)
    {
        var fields = await FormAsync(http, "/login", "form#account-login");
        fields["tenant"] = tenant;
        fields["login"] = login;
        fields["password"] = password;
        return await http.PostAsync("/login?handler=Account", new FormUrlEncodedContent(fields));
    }

    private static async Task<Dictionary<string, string>> FormAsync(HttpClient http, string path, string form) =>
        new HtmlParser().ParseDocument(await http.GetStringAsync(path)).QuerySelectorAll($"{form} input[type=hidden]")
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
}
