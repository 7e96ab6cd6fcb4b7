using Assessment.Domain.Accounts;

namespace Assessment.Domain.Tests;

/// <summary>The account rules: logins, passwords, who needs a second factor, when an account locks.</summary>
public sealed class AccountRulesTests
{
    [Theory]
    [InlineData("kaohe")]
    [InlineData("seni.sfj")]
    [InlineData("li_si-2")]
    [InlineData("9a")]
    public void Valid_logins_pass(string login) => Assert.Null(AccountRules.CheckLogin(login));

    [Fact]
    public void Every_malformed_login_is_refused_in_chinese()
    {
        var bad = new List<string> { "", "a", "-a", ".a", "_a", "A", new string('a', 65) };
        // Every character outside [a-z0-9._-], at the start and inside.
        for (var c = 0; c < 0x3100; c += c < 0x80 ? 1 : 97)
        {
            var ch = (char)c;
            if (!char.IsAsciiLetterLower(ch) && !char.IsAsciiDigit(ch) && ch is not ('.' or '_' or '-'))
            {
                bad.Add($"ab{ch}cd");
                bad.Add($"{ch}abcd");
            }
        }

        Assert.All(bad, login => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", AccountRules.CheckLogin(login) ?? ""));
    }

    [Fact]
    public void Passwords_need_length_variety_and_no_login()
    {
        Assert.Null(AccountRules.CheckPassword("法治政府-建设2026", "wang"));
        Assert.NotNull(AccountRules.CheckPassword("short1!", "wang"));
        Assert.NotNull(AccountRules.CheckPassword(new string('x', 129), "wang"));
        Assert.NotNull(AccountRules.CheckPassword("aaaaaaaaaaaa", "wang"));
        Assert.NotNull(AccountRules.CheckPassword("abababababab", "wang"));
        Assert.NotNull(AccountRules.CheckPassword("my-WANG-password-1", "wang"));
        Assert.NotNull(AccountRules.CheckPassword("line\nbreak-password", "wang"));
        Assert.NotNull(AccountRules.CheckPassword(null, "wang"));
    }

    [Fact]
    public void Assessors_and_tenant_admins_need_a_second_factor_others_may_not()
    {
        Assert.True(AccountRules.SecondFactorRequired("assessor"));
        Assert.True(AccountRules.SecondFactorRequired("tenant_admin"));
        Assert.All(new[] { "unit", "county", "leader" }, r => Assert.False(AccountRules.SecondFactorRequired(r)));
    }

    [Fact]
    public void An_account_locks_at_every_fifth_consecutive_failure()
    {
        var now = DateTimeOffset.UtcNow;
        for (var failures = 0; failures <= 30; failures++)
        {
            var locked = AccountRules.LockAfter(failures, now);
            Assert.Equal(failures > 0 && failures % AccountRules.FailuresBeforeLock == 0, locked is not null);
            if (locked is { } until)
            {
                Assert.Equal(now + AccountRules.LockFor, until);
            }
        }
    }
}
