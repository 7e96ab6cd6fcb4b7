namespace Assessment.Domain.Accounts;

/// <summary>
/// The rules of personal accounts, in one place for the web pages, the admin RPCs and the CLI: what a login name may
/// be, what a password must be, who needs a second factor, and when failed attempts lock an account.
/// </summary>
public static class AccountRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 128;
    public const int MaxLoginLength = 64;

    /// <summary>Consecutive failed sign-ins that lock an account.</summary>
    public const int FailuresBeforeLock = 5;

    /// <summary>How long a lock lasts; the tenant admin's reset link lifts it earlier.</summary>
    public static readonly TimeSpan LockFor = TimeSpan.FromMinutes(15);

    /// <summary>How long a one-time link to set a password works.</summary>
    public static readonly TimeSpan SetupLinkLifetime = TimeSpan.FromDays(3);

    /// <summary>Sessions an account keeps; signing in beyond it ends the oldest.</summary>
    public const int MaxSessions = 10;

    /// <summary>Null when <paramref name="login"/> is a valid login name (lower-case ASCII letters, digits, '.', '_', '-'), else why not.</summary>
    public static string? CheckLogin(string? login)
    {
        if (string.IsNullOrEmpty(login))
        {
            return "请填写登录名。";
        }

        if (login.Length is < 2 or > MaxLoginLength)
        {
            return $"登录名须为 2–{MaxLoginLength} 个字符。";
        }

        if (!char.IsAsciiLetterLower(login[0]) && !char.IsAsciiDigit(login[0]))
        {
            return "登录名须以小写字母或数字开头。";
        }

        return login.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')
            ? null
            : "登录名只能含小写字母、数字和 . _ -。";
    }

    /// <summary>Null when <paramref name="password"/> may be set for <paramref name="login"/>, else why not.</summary>
    public static string? CheckPassword(string? password, string login)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            return $"密码至少 {MinPasswordLength} 个字符。";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"密码不能超过 {MaxPasswordLength} 个字符。";
        }

        if (password.Any(char.IsControl))
        {
            return "密码不能含控制字符。";
        }

        if (password.Distinct().Count() < 4)
        {
            return "密码过于简单：请使用至少 4 个不同的字符。";
        }

        return password.Contains(login, StringComparison.OrdinalIgnoreCase) ? "密码不能包含登录名。" : null;
    }

    /// <summary>Assessors, 考核组 members and tenant admins must use a second factor (等保 asks it of privileged users; members enter scores); others may.</summary>
    public static bool SecondFactorRequired(string role) => role is "assessor" or "member" or "tenant_admin";

    /// <summary>The roles a person's account may have (wire names); the operator has keys only.</summary>
    public static readonly string[] RoleNames = ["unit", "county", "assessor", "member", "leader", "tenant_admin"];

    public const string RoleProblem = "须为 unit、county、assessor、member、leader、tenant_admin 之一";

    /// <summary>Until when an account is locked after its <paramref name="failures"/>-th consecutive failure at <paramref name="now"/>; null when not.</summary>
    public static DateTimeOffset? LockAfter(int failures, DateTimeOffset now) =>
        failures >= FailuresBeforeLock && failures % FailuresBeforeLock == 0 ? now + LockFor : null;
}
