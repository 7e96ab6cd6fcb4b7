using System.Security.Cryptography;
using System.Text;
using Assessment.Domain;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Seeding;

/// <summary>
/// Creates a tenant from a seed file: credentials, figures (through the same unit grains a real submission uses),
/// and the year's round with the default scheme. Re-running it is safe: submission ids are derived from the seed,
/// and the tenant itself is created last, as the mark that seeding completed.
/// </summary>
public sealed class TenantSeeder(IClusterClient cluster, CredentialService credentials, Security.Accounts.AccountStore accounts, Security.Accounts.PasswordHashing passwords,
    Microsoft.Extensions.Options.IOptions<Assessment.Grains.RoundOptions> rounds, ILogger<TenantSeeder> logger)
{
    private const string Actor = "初始化（种子数据）";

    /// <summary>Seeds the tenant unless it exists. Returns true when it was created now.</summary>
    public async Task<bool> SeedAsync(SeedFile seed, string credentialsFile, CancellationToken ct)
    {
        // Seeding is done for the one tenant it creates, like any of that tenant's requests.
        using var actingFor = Assessment.Grains.TenantGuard.ActFor(seed.Tenant.Id);
        var tenant = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(seed.Tenant.Id));
        if (await tenant.GetProfile() is not null)
        {
            return false;
        }

        if (Domain.Keys.Slug.ReadsAsNumber(seed.Tenant.Id))
        {
            throw new DataFileException("seed", [$"tenant.id: {seed.Tenant.Id} 不能只由数字和 a–f 组成（会被当作数字，与其他标识混淆）：请加一个其他字母或连字符，如 xz-540600"]);
        }

        if (seed.Tenant.Webhook is { Length: > 0 } webhook && Domain.Keys.WebhookAddress.Problem(webhook, rounds.Value.WebhookRules) is { } problem)
        {
            throw new DataFileException("seed", [$"tenant.webhook: {problem}"]);
        }

        logger.LogInformation("Creating tenant {Tenant} ({Name}) with {Counties} counties", seed.Tenant.Id, seed.Tenant.Name, seed.Counties.Count);
        // Counties are independent grains: issue their keys and submit their figures in parallel (a national-scale
        // seed has 114,000 units), then write the keys in roster order.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct };
        var countyKeys = new string[seed.Counties.Count];
        var unitKeys = seed.Counties.Select(c => new string[c.Units.Count]).ToArray();
        var assessor = await IssueAsync(new Credential(Role.Assessor, seed.Tenant.Id, null, null, $"{seed.Tenant.Name}考核办"));
        var leader = await IssueAsync(new Credential(Role.Leader, seed.Tenant.Id, null, null, $"{seed.Tenant.Name}领导"));
        var tenantAdmin = await IssueAsync(new Credential(Role.TenantAdmin, seed.Tenant.Id, null, null, $"{seed.Tenant.Name}系统管理员"));
        await Parallel.ForAsync(0, seed.Counties.Count, parallel, async (i, _) =>
        {
            var county = seed.Counties[i];
            countyKeys[i] = await IssueAsync(new Credential(Role.County, seed.Tenant.Id, county.Id, null, county.Name));
            for (var u = 0; u < county.Units.Count; u++)
            {
                unitKeys[i][u] = await IssueAsync(new Credential(Role.Unit, seed.Tenant.Id, county.Id, county.Units[u].Id, county.Units[u].Name));
            }
        });

        var keys = new StringBuilder();
        keys.AppendLine("# 演示凭据：每个密钥只在此显示一次，平台只保存其 SHA-256。请勿提交到版本库。");
        keys.AppendLine($"tenant: {seed.Tenant.Id}   # {seed.Tenant.Name}");
        keys.AppendLine($"assessor: {assessor}   # {RoleNames.Of("assessor")}（排名、审核、发布）");
        keys.AppendLine($"leader: {leader}   # {RoleNames.Of("leader")}（只读）");
        keys.AppendLine($"tenant-admin: {tenantAdmin}   # {RoleNames.Of("tenant_admin")}（密钥、通报设置、分发名单）");
        keys.AppendLine("counties:");
        for (var i = 0; i < seed.Counties.Count; i++)
        {
            keys.AppendLine($"  {seed.Counties[i].Id}:   # {seed.Counties[i].Name}");
            keys.AppendLine($"    key: {countyKeys[i]}   # 县级（上报）");
            keys.AppendLine("    units:");
            for (var u = 0; u < seed.Counties[i].Units.Count; u++)
            {
                keys.AppendLine($"      {seed.Counties[i].Units[u].Id}: {unitKeys[i][u]}   # {seed.Counties[i].Units[u].Name}");
            }
        }

        await AddPeopleAsync(seed, keys);
        var directory = Path.GetDirectoryName(Path.GetFullPath(credentialsFile))!;
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(credentialsFile, keys.ToString(), ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(credentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // The round opens first: units submit through the same workflow checks as real submissions.
        var roster = seed.Counties
            .Select(c => new CountyInfo(c.Id, c.Name, c.Units.Select(u => new UnitInfo(u.Id, u.Name, u.Kind ?? Domain.Catalog.UnitKindNames.Department)).ToArray(), c.Group))
            .ToArray();
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(seed.Tenant.Id, seed.Year));
        if (await round.GetInfo() is not { Phase: not RoundPhase.Draft })
        {
            var deadline = DateTimeOffset.UtcNow.Date.AddDays(seed.DeadlineDays + 1).AddHours(-8); // midnight Beijing time
            await round.Define(new RoundDefinition(EmbeddedData.Read("default-scheme.yaml"), roster, new DateTimeOffset(deadline, TimeSpan.Zero)), Actor);
            await round.Open(Actor);
        }

        await Parallel.ForEachAsync(seed.Counties, parallel, async (county, _) =>
        {
            await SubmitAsync(seed, county.Id, GrainKeys.CountySelf, county.County);
            await SubmitAsync(seed, county.Id, GrainKeys.AssessorEntry, county.Assessor);
            foreach (var unit in county.Units)
            {
                await SubmitAsync(seed, county.Id, unit.Id, unit);
            }
        });

        await tenant.Create(new TenantProfile(seed.Tenant.Id, seed.Tenant.Name, seed.Tenant.Issuer, seed.Tenant.DocumentPrefix,
            seed.Tenant.Recipients, roster, seed.Tenant.PublishScores, seed.Tenant.Webhook,
            // The demo leader is on the distribution list: published bulletins reach them as personal copies.
            Distribution: [new BulletinRecipient("leader", $"{seed.Tenant.Name}领导", $"{seed.Tenant.Name}人民政府", "领导", ApiKeys.Hash(leader)[..16])]));
        return true;
    }

    private async Task<string> IssueAsync(Credential credential) => (await credentials.IssueAsync(credential)).Key;

    private async Task SubmitAsync(SeedFile seed, string county, string unit, SeedValues values)
    {
        var entries = values.All().Select(kv => new ValueEntry(kv.Key, kv.Value)).ToArray();
        if (entries.Length == 0)
        {
            return;
        }

        var key = GrainKeys.Unit(seed.Tenant.Id, county, unit, seed.Year);
        var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("seed:" + key)).AsSpan(0, 16));
        await cluster.GetGrain<IUnitGrain>(key).Submit(new UnitSubmission(id, entries, Actor: Actor,
            Reason: unit == GrainKeys.AssessorEntry ? "初始数据导入" : null));
    }

    /// <summary>
    /// A person per role with a password, for the workbench's 账号登录 (keys stay for machines): the assessor and the
    /// tenant admin bind an authenticator at their first sign-in, as their roles require.
    /// </summary>
    private async Task AddPeopleAsync(SeedFile seed, StringBuilder file)
    {
        var first = seed.Counties.FirstOrDefault();
        var people = new List<(string Login, string Role, string Name, string? County, string? Unit)>
        {
            ("kaohe", "assessor", $"{seed.Tenant.Name}考核办（演示）", null, null),
            ("kaohezu", "member", $"{seed.Tenant.Name}考核组成员（演示）", null, null),
            ("lingdao", "leader", $"{seed.Tenant.Name}领导（演示）", null, null),
            ("guanli", "tenant_admin", $"{seed.Tenant.Name}系统管理员（演示）", null, null),
        };
        if (first is not null)
        {
            people.Add(($"{first.Id}.county", "county", $"{first.Name}（演示）", first.Id, null));
            if (first.Units.FirstOrDefault() is { } unit)
            {
                people.Add(($"{first.Id}.{unit.Id}", "unit", $"{unit.Name}（演示）", first.Id, unit.Id));
            }
        }

        file.AppendLine($"# 个人账号：在工作台选“账号登录”，租户代码 {seed.Tenant.Id}。考核办与租户管理员首次登录时用手机验证器扫码绑定动态口令。");
        file.AppendLine("people:");
        foreach (var (login, role, name, county, unit) in people.Where(p => Domain.Accounts.AccountRules.CheckLogin(p.Login) is null))
        {
            var password = "Demo-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            var account = new Security.Accounts.Account(seed.Tenant.Id, login, Security.Accounts.AccountDesk.IdOf(seed.Tenant.Id, login), name, role, county, unit, null,
                await passwords.HashAsync(password), null, false, 0, 0, null, false, DateTimeOffset.UtcNow);
            // Listed only when made now: a password printed for an account that existed already would not work.
            if (await accounts.InsertAsync(account))
            {
                await accounts.AuditAsync(seed.Tenant.Id, new Domain.Workflow.AuditEvent(DateTimeOffset.UtcNow, Actor, "account_create", "account:" + login, null, $"{role} {name}", null));
                file.AppendLine($"  {login}: {{ password: {password}, role: {role} }}   # {name}");
            }
        }
    }
}
