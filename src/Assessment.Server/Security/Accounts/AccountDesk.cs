using System.Net;
using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Accounts;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.DataProtection;

namespace Assessment.Server.Security.Accounts;

/// <summary>What a password (or a code) sign-in came to.</summary>
public enum SignInStep
{
    /// <summary>Signed in: a session may start.</summary>
    Done,

    /// <summary>The password was right; a code from the authenticator app is next.</summary>
    NeedsCode,

    /// <summary>The password was right; the role requires a second factor that is not set up yet: enrol now.</summary>
    NeedsEnrollment,

    Refused,
    Locked,
    Throttled,
}

public sealed record SignInResult(SignInStep Step, Account? Account, string? Message);

/// <summary>
/// Personal accounts: the tenant admin creates, resets and disables them (page, RPC, CLI); a person sets a password
/// through a one-time link, signs in with it and (assessors and tenant admins always) a TOTP code, and lists and ends
/// their sessions. Failed passwords and codes count against the account (locked at every fifth) and against the same
/// per-address budget as failed keys. Every change and sign-in is appended to the tenant's audit chain
/// <c>&lt;tenant&gt;/accounts</c>. A session acts as a credential built from the account, with the account's id.
/// </summary>
public sealed class AccountDesk(AccountStore store, PasswordHashing passwords, CredentialLookup lookup, TenantDesk tenants, IDataProtectionProvider protection, TimeProvider clock)
{
    public const int MaxAccounts = 5_000;

    private readonly IDataProtector _secrets = protection.CreateProtector("assessment.accounts.totp");

    private static readonly string[] RoleNames = AccountRules.RoleNames;

    /// <summary>Creates an account and returns the one-time link's token (shown once to the admin, to pass on).</summary>
    public async Task<(Account Account, string SetupToken)> CreateAsync(Caller caller, string? tenant, string? login, string? name, string? role, string? county, string? unit, string? email)
    {
        var target = TenantDesk.Target(caller, tenant);
        login = (login ?? "").Trim();
        county = string.IsNullOrWhiteSpace(county) ? null : county.Trim();
        unit = string.IsNullOrWhiteSpace(unit) ? null : unit.Trim();
        email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        RequestChecks.Require(
            AccountRules.CheckLogin(login) is { } loginProblem ? new FieldError("login", loginProblem) : null,
            RequestChecks.Name("name", name ?? "", out var checkedName),
            Array.IndexOf(RoleNames, role) < 0 ? new FieldError("role", AccountRules.RoleProblem) : null,
            role is "unit" or "county" ? (county is null ? new FieldError("county", "县级与单位账号须属于一个县（区）") : null) : county is not null ? new FieldError("county", "只有县级与单位账号有县（区）") : null,
            role is "unit" ? (unit is null ? new FieldError("unit", "单位账号须属于一个单位") : null) : unit is not null ? new FieldError("unit", "只有单位账号有单位") : null,
            email is not null && (email.Length > 200 || !System.Net.Mail.MailAddress.TryCreate(email, out _)) ? new FieldError("email", "不是有效的电子邮件地址") : null);
        var profile = await tenants.ProfileAsync(caller, target);
        if (role is "unit" or "county" && (profile.County(county!) is not { } found || (role is "unit" && !Array.Exists(found.Units, u => u.Id == unit))))
        {
            throw new NotFoundException("名单中没有该县（区）或单位。");
        }

        if ((await store.ListAsync(target, MaxAccounts)).Count >= MaxAccounts)
        {
            throw new ResourceExhaustedException($"每个租户最多 {MaxAccounts} 个账号。");
        }

        var now = clock.GetUtcNow();
        var account = new Account(target, login, IdOf(target, login), checkedName, role!, county, unit, email, null, null, false, 0, 0, null, false, now);
        if (!await store.InsertAsync(account))
        {
            throw new ConflictException($"登录名“{login}”已被使用。");
        }

        var token = NewToken();
        await store.ResetAsync(target, login, Hash(token), now + AccountRules.SetupLinkLifetime, now);
        await AuditAsync(target, caller.Name, "account_create", login, null, $"{role} {county}{(unit is null ? "" : "/" + unit)} {checkedName}", null);
        return (account, token);
    }

    /// <summary>A new one-time link; the password, second factor and any lock are cleared (a lost phone, a forgotten password).</summary>
    public async Task<string> ResetAsync(Caller caller, string? tenant, string? login)
    {
        var target = TenantDesk.Target(caller, tenant);
        if (await store.FindAsync(target, login ?? "") is { IsSingleSignOn: true })
        {
            throw new PreconditionException("SINGLE_SIGN_ON_ACCOUNT", "该账号通过统一身份认证登录，密码与动态口令由认证服务管理，无需重置。");
        }

        var token = NewToken();
        if (!await store.ResetAsync(target, login ?? "", Hash(token), clock.GetUtcNow() + AccountRules.SetupLinkLifetime, clock.GetUtcNow()))
        {
            throw new NotFoundException("没有这个账号，或它已停用。");
        }

        await AuditAsync(target, caller.Name, "account_reset", login!, null, null, "重新设置密码与动态口令");
        return token;
    }

    public async Task<Account> DisableAsync(Caller caller, string? tenant, string? login)
    {
        var target = TenantDesk.Target(caller, tenant);
        if (await store.FindAsync(target, login ?? "") is not { } account)
        {
            throw new NotFoundException("没有这个账号。");
        }

        if (!account.Disabled)
        {
            await store.DisableAsync(target, account.Login, clock.GetUtcNow());
            await AuditAsync(target, caller.Name, "account_disable", account.Login, "active", "disabled", null);
        }

        return (await store.FindAsync(target, account.Login))!;
    }

    public async Task<IReadOnlyList<Account>> ListAsync(Caller caller, string? tenant) => await store.ListAsync(TenantDesk.Target(caller, tenant), MaxAccounts);

    /// <summary>The account a one-time link opens, while it works.</summary>
    public Task<Account?> SetupAccountAsync(string? token) =>
        token is { Length: > 20 and < 100 } ? store.FindBySetupAsync(Hash(token), clock.GetUtcNow()) : Task.FromResult<Account?>(null);

    /// <summary>Sets the password through the link (used up by it). The message says why not, in Chinese.</summary>
    public async Task<(Account? Account, string? Problem)> SetPasswordAsync(string? token, string? password, CancellationToken ct = default)
    {
        if (await SetupAccountAsync(token) is not { } account)
        {
            return (null, "链接无效、已使用或已过期，请向租户管理员索取新链接。");
        }

        if (AccountRules.CheckPassword(password, account.Login) is { } problem)
        {
            return (account, problem);
        }

        string hashed;
        try
        {
            hashed = await passwords.HashAsync(password!, ct);
        }
        catch (TimeoutException)
        {
            return (account, "系统繁忙，请稍后再试。");
        }

        var set = await store.SetPasswordAsync(Hash(token!), hashed, clock.GetUtcNow());
        if (set is null)
        {
            return (null, "链接无效、已使用或已过期，请向租户管理员索取新链接。");
        }

        await AuditAsync(set.Tenant, set.Login, "password_set", set.Login, null, null, null);
        return (set, null);
    }

    /// <summary>
    /// The password step of a sign-in. The attempt is counted before the password is checked (a burst of parallel
    /// guesses meets the lock after the fifth); an unknown login, a locked account and a wrong password cost the same
    /// hashing and spend the address's failure budget alike, so the answers do not tell which logins exist.
    /// </summary>
    public async Task<SignInResult> CheckPasswordAsync(string? tenant, string? login, string? password, IPAddress? peer, CancellationToken ct = default)
    {
        if (lookup.IsThrottled(peer))
        {
            lookup.CountFailure(peer);
            return new(SignInStep.Throttled, null, "登录失败次数过多，请稍后再试。");
        }

        tenant = (tenant ?? "").Trim();
        login = (login ?? "").Trim();
        password ??= "";
        var account = tenant.Length is > 0 and <= 64 && login.Length is > 0 and <= AccountRules.MaxLoginLength ? await store.FindAsync(tenant, login) : null;
        var now = clock.GetUtcNow();
        var attempt = account is { Disabled: false, PasswordHash: not null } ? await store.BeginAttemptAsync(account.Tenant, account.Login, now) : null;
        bool right;
        try
        {
            right = await passwords.VerifyAsync(password.Length <= AccountRules.MaxPasswordLength ? password : "", attempt is null ? null : account!.PasswordHash, ct)
                && password.Length <= AccountRules.MaxPasswordLength;
        }
        catch (TimeoutException)
        {
            return new(SignInStep.Throttled, null, "系统繁忙，请稍后再试。");
        }

        if (attempt is null || account is null)
        {
            lookup.CountFailure(peer);
            // No attempt was allowed for an active account with a password: it is locked (read again: the lock may be newer
            // than what was read before the attempt).
            return account is { Disabled: false, PasswordHash: not null } && await store.FindAsync(account.Tenant, account.Login) is { } now2 && now2.IsLocked(now)
                ? Locked(now2)
                : new(SignInStep.Refused, null, "租户、登录名或密码不正确。");
        }

        if (!right)
        {
            lookup.CountFailure(peer);
            await AuditAsync(account.Tenant, account.Login, "sign_in_failed", account.Login, null, peer?.ToString(), "密码错误");
            return await LockedNowAsync(account, attempt.Value, now) ?? new(SignInStep.Refused, null, "租户、登录名或密码不正确。");
        }

        await store.SucceededAsync(account.Tenant, account.Login);
        if (account.TotpConfirmed)
        {
            return new(SignInStep.NeedsCode, account, null);
        }

        return AccountRules.SecondFactorRequired(account.Role) ? new(SignInStep.NeedsEnrollment, account, null) : new(SignInStep.Done, account, null);
    }

    /// <summary>
    /// The code step, after the password step passed (or while enrolling: the first code confirms the secret). Counted
    /// before it is checked, like a password.
    /// </summary>
    public async Task<SignInResult> CheckCodeAsync(string tenant, string login, string? code, IPAddress? peer)
    {
        if (lookup.IsThrottled(peer))
        {
            lookup.CountFailure(peer);
            return new(SignInStep.Throttled, null, "登录失败次数过多，请稍后再试。");
        }

        var now = clock.GetUtcNow();
        if (await store.FindAsync(tenant, login) is not { Disabled: false, PasswordHash: not null, TotpSecret: { } secret } account)
        {
            return new(SignInStep.Refused, null, "请重新登录。");
        }

        if (await store.BeginAttemptAsync(tenant, login, now) is not { } attempt)
        {
            lookup.CountFailure(peer);
            return await store.FindAsync(tenant, login) is { } current && current.IsLocked(now) ? Locked(current) : new(SignInStep.Refused, null, "请重新登录。");
        }

        if (Unprotect(secret) is not { } plain)
        {
            return new(SignInStep.Refused, null, "动态口令需要重新绑定（账号迁移自另一部署），请联系租户管理员重置账号。");
        }

        var step = TotpCodes.Match(plain, code, account.TotpLastStep, now.UtcDateTime);
        if (step is null || !await store.AcceptStepAsync(tenant, login, step.Value))
        {
            lookup.CountFailure(peer);
            await AuditAsync(tenant, login, "sign_in_failed", login, null, peer?.ToString(), "动态口令错误");
            return await LockedNowAsync(account, attempt, now)
                ?? new(SignInStep.Refused, account, "动态口令不正确或已使用过，请输入验证器中当前显示的 6 位数字。");
        }

        if (!account.TotpConfirmed)
        {
            await AuditAsync(tenant, login, "totp_enrolled", login, null, null, null);
        }

        return new(SignInStep.Done, account with { TotpConfirmed = true, TotpLastStep = step.Value }, null);
    }

    /// <summary>The lock this failed attempt set (audited once, by the attempt that set it), or null.</summary>
    private async Task<SignInResult?> LockedNowAsync(Account account, (int Failures, DateTimeOffset? LockedUntil) attempt, DateTimeOffset now)
    {
        if (AccountRules.LockAfter(attempt.Failures, now) is null || attempt.LockedUntil is not { } until)
        {
            return null;
        }

        await AuditAsync(account.Tenant, account.Login, "account_locked", account.Login, null, until.ToString("O"), $"连续 {AccountRules.FailuresBeforeLock} 次登录失败");
        return Locked(account with { LockedUntil = until });
    }

    /// <summary>
    /// What a pending sign-in cookie carries to tie it to the account as it was when the password was right: a reset
    /// or a new password changes it, so a cookie from before cannot finish a sign-in after.
    /// </summary>
    public static string StampOf(Account account) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(account.PasswordHash ?? "")))[..16];

    /// <summary>The account a pending sign-in names, while its stamp still holds.</summary>
    public async Task<Account?> PendingAccountAsync(string tenant, string login, string stamp) =>
        await store.FindAsync(tenant, login) is { Disabled: false, PasswordHash: not null } account && StampOf(account) == stamp ? account : null;

    /// <summary>
    /// While an account's second factor is not confirmed: its secret (made on first need and kept until confirmed, so
    /// a page reload after scanning does not invalidate what was scanned); null once it is confirmed.
    /// </summary>
    public async Task<string?> EnrollmentSecretAsync(string tenant, string login)
    {
        if (await store.FindAsync(tenant, login) is not { Disabled: false, TotpConfirmed: false, PasswordHash: not null } account)
        {
            return null;
        }

        if (account.TotpSecret is { } existing && Unprotect(existing) is { } plain)
        {
            return plain;
        }

        var secret = TotpCodes.NewSecret();
        return await store.SetTotpSecretAsync(tenant, login, _secrets.Protect(secret)) ? secret : null;
    }

    public async Task<Guid> StartSessionAsync(Account account, IPAddress? peer, string? agent)
    {
        var session = await store.StartSessionAsync(account.Tenant, account.Login, peer?.ToString(), agent, clock.GetUtcNow());
        await AuditAsync(account.Tenant, account.Login, "sign_in", account.Login, null, peer?.ToString(), null);
        return session;
    }

    public Task<Account?> SessionAccountAsync(Guid session) => store.SessionAccountAsync(session, clock.GetUtcNow());

    public Task<IReadOnlyList<AccountSession>> SessionsAsync(Account account) => store.SessionsAsync(account.Tenant, account.Login);

    public async Task<bool> EndSessionAsync(Account account, Guid session)
    {
        var ended = await store.RevokeSessionAsync(account.Tenant, account.Login, session, clock.GetUtcNow());
        if (ended)
        {
            await AuditAsync(account.Tenant, account.Login, "session_end", account.Login, null, session.ToString("D"), null);
        }

        return ended;
    }

    /// <summary>What a session of this account acts as: a credential of its role and scope, with the account's id.</summary>
    public static Credential CredentialOf(Account account) => new(
        RoleWire.Parse(account.Role) is { } role and not Role.Operator ? role : throw new InvalidOperationException($"account role '{account.Role}' is not a tenant role"),
        account.Tenant, account.County, account.Unit, account.Name);

    /// <summary>An account's id: 16 hex digits like a key's, stable for its tenant and login (distribution lists name it).</summary>
    public static string IdOf(string tenant, string login) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"account\n{tenant}\n{login}")))[..16];

    /// <summary>The plain secret; null when it was protected by another deployment's key ring (a moved tenant).</summary>
    private string? Unprotect(string protectedSecret)
    {
        try
        {
            return _secrets.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static SignInResult Locked(Account account) =>
        new(SignInStep.Locked, account, $"账号因连续登录失败已锁定，请于北京时间 {account.LockedUntil!.Value.ToOffset(TimeSpan.FromHours(8)):HH:mm} 后再试，或请租户管理员重置。");

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private Task AuditAsync(string tenant, string actor, string action, string login, string? before, string? after, string? reason) =>
        store.AuditAsync(tenant, new AuditEvent(clock.GetUtcNow(), actor, action, "account:" + login, before, after, reason));
}
