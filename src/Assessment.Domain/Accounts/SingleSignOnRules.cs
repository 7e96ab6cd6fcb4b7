namespace Assessment.Domain.Accounts;

/// <summary>One value of the provider's role claim and the tenant role it grants (unit, county, assessor, member, leader, tenant_admin).</summary>
public sealed record RoleMapping(string Value, string Role);

/// <summary>
/// How a tenant reads the claims its OpenID provider sends about a person: which claim carries the roles and which
/// values mean which tenant role (the first mapping, in the order given, that matches one of the person's values wins),
/// and which claims carry the county and unit (as the roster names them), the name and the e-mail address. A provider
/// shared by several tenants (a province's 统一身份认证) also names who belongs to this tenant: a claim
/// (<see cref="TenantClaim"/>, e.g. the city's division code) that must carry one of <see cref="TenantValues"/>.
/// Roles that need a second factor here need one at the provider too (its <c>amr</c> claim), unless the tenant admin
/// states that the provider always asks for one (<see cref="TrustProviderSecondFactor"/>).
/// </summary>
public sealed record ClaimMapping(
    string RoleClaim, IReadOnlyList<RoleMapping> Roles, string CountyClaim, string UnitClaim, string NameClaim, string EmailClaim,
    string? TenantClaim = null, IReadOnlyList<string>? TenantValues = null, bool TrustProviderSecondFactor = false)
{
    public static ClaimMapping With(IReadOnlyList<RoleMapping> roles, string? roleClaim = null, string? countyClaim = null, string? unitClaim = null,
        string? nameClaim = null, string? emailClaim = null, string? tenantClaim = null, IReadOnlyList<string>? tenantValues = null,
        bool trustProviderSecondFactor = false) => new(
        Or(roleClaim, "roles"), roles, Or(countyClaim, "county"), Or(unitClaim, "unit"), Or(nameClaim, "name"), Or(emailClaim, "email"),
        string.IsNullOrEmpty(tenantClaim) ? null : tenantClaim, tenantValues is { Count: > 0 } ? tenantValues : null, trustProviderSecondFactor);

    /// <summary>Whether the mapping names who belongs to the tenant (required of every tenant on a shared provider).</summary>
    public bool NamesTenant => TenantClaim is not null && TenantValues is { Count: > 0 };

    // Only an absent name takes the default; anything given is checked as given (a stray space is refused, not trimmed).
    private static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}

/// <summary>Who a person signing in through the provider is, in the tenant's terms.</summary>
public sealed record MappedPerson(string Role, string? County, string? Unit, string Name, string? Email);

/// <summary>
/// The rules of single sign-on by OpenID Connect, apart from the protocol: what a claim mapping may hold, and how the
/// claims of a signed-in person become a tenant role with its county and unit. Pure: the server validates the tokens,
/// this decides what they grant.
/// </summary>
public static class SingleSignOnRules
{
    public const int MaxRoleMappings = 50;
    public const int MaxTenantValues = 50;
    public const int MaxClaimNameLength = 64;
    public const int MaxValueLength = 200;

    /// <summary>Values of one claim looked at; a person with more (a provider sending every group) is read up to here.</summary>
    public const int MaxValuesPerClaim = 200;

    public const int MaxClientIdLength = 200;
    public const int MaxClientSecretLength = 500;

    /// <summary>The name of a person whose provider sends none.</summary>
    public const string UnnamedPerson = "统一身份认证用户";


    /// <summary>Every problem of a mapping, by field (empty when it may be stored).</summary>
    public static IReadOnlyList<(string Field, string Problem)> Check(ClaimMapping mapping, string? clientId)
    {
        var problems = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(clientId) || clientId.Length > MaxClientIdLength || clientId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            problems.Add(("client_id", $"请填写认证服务为本平台登记的 client_id（不超过 {MaxClientIdLength} 个字符，不含空白）"));
        }

        foreach (var (field, name) in new[]
                 {
                     ("role_claim", mapping.RoleClaim), ("county_claim", mapping.CountyClaim), ("unit_claim", mapping.UnitClaim),
                     ("name_claim", mapping.NameClaim), ("email_claim", mapping.EmailClaim),
                 })
        {
            if (CheckClaimName(name) is { } problem)
            {
                problems.Add((field, problem));
            }
        }

        if (mapping.TenantClaim is not null && CheckClaimName(mapping.TenantClaim) is { } tenantProblem)
        {
            problems.Add(("tenant_claim", tenantProblem));
        }

        var tenantValues = mapping.TenantValues ?? [];
        if ((mapping.TenantClaim is null) != (tenantValues.Count == 0))
        {
            problems.Add(("tenant_values", "租户声明与其取值须同时给出（如 tenant_claim=city_code 与 tenant_values=540600）"));
        }

        if (tenantValues.Count > MaxTenantValues || tenantValues.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > MaxValueLength || v.Any(char.IsControl)))
        {
            problems.Add(("tenant_values", $"至多 {MaxTenantValues} 个，每个 1–{MaxValueLength} 个字符，不含控制字符"));
        }

        if (mapping.Roles.Count is 0 or > MaxRoleMappings)
        {
            problems.Add(("roles", $"须有 1–{MaxRoleMappings} 条角色对应（认证服务的角色值 → 本系统角色）"));
        }

        for (var i = 0; i < mapping.Roles.Count && i < MaxRoleMappings; i++)
        {
            var (value, role) = mapping.Roles[i];
            if (string.IsNullOrWhiteSpace(value) || value.Length > MaxValueLength || value.Any(char.IsControl))
            {
                problems.Add(($"roles[{i}].value", $"须为 1–{MaxValueLength} 个字符，不含控制字符"));
            }

            if (Array.IndexOf(AccountRules.RoleNames, role) < 0)
            {
                problems.Add(($"roles[{i}].role", AccountRules.RoleProblem));
            }
        }

        if (mapping.Roles.Count <= MaxRoleMappings && mapping.Roles.GroupBy(r => r.Value, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            problems.Add(("roles", $"角色值“{twice.Key}”出现了不止一次"));
        }

        return problems;
    }

    /// <summary>Null when <paramref name="name"/> may name a claim (ASCII letters, digits and <c>_ - . : /</c>), else why not.</summary>
    public static string? CheckClaimName(string? name) =>
        name is { Length: > 0 and <= MaxClaimNameLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/')
            ? null
            : $"声明名称须为 1–{MaxClaimNameLength} 个英文字母、数字或 _ - . : /";

    /// <summary>
    /// The tenant role, county and unit a person's claims grant, or why they grant nothing (in Chinese, for the person).
    /// <paramref name="roster"/> answers whether a county (unit null) or a unit of a county is in the tenant's roster.
    /// </summary>
    public static (MappedPerson? Person, string? Problem) Map(ClaimMapping mapping, IReadOnlyDictionary<string, IReadOnlyList<string>> claims, Func<string, string?, bool> roster)
    {
        if (mapping.NamesTenant && !Values(claims, mapping.TenantClaim!).Any(v => mapping.TenantValues!.Contains(v, StringComparer.Ordinal)))
        {
            return (null, "您的统一身份认证账号不属于本租户（地市），不能登录这个租户；请确认租户代码。");
        }

        var values = Values(claims, mapping.RoleClaim);
        var role = mapping.Roles.FirstOrDefault(m => values.Contains(m.Value, StringComparer.Ordinal))?.Role;
        if (role is null)
        {
            return (null, "您的统一身份认证账号没有对应本系统的角色，请联系租户管理员开通。");
        }

        if (AccountRules.SecondFactorRequired(role) && !mapping.TrustProviderSecondFactor && !Values(claims, "amr").Any(SecondFactors.Contains))
        {
            return (null, "该角色须经第二重验证登录，但统一身份认证未表明本次登录使用了动态口令等第二重验证（amr），请在认证服务中以第二重验证登录，或联系租户管理员。");
        }

        string? county = null, unit = null;
        if (role is "county" or "unit")
        {
            county = Single(claims, mapping.CountyClaim);
            if (county is null || !roster(county, null))
            {
                return (null, "您的统一身份认证账号没有对应名单中的县（区），请联系租户管理员。");
            }

            if (role == "unit")
            {
                unit = Single(claims, mapping.UnitClaim);
                if (unit is null || !roster(county, unit))
                {
                    return (null, "您的统一身份认证账号没有对应名单中的单位，请联系租户管理员。");
                }
            }
        }

        var name = Single(claims, mapping.NameClaim) is { } given && Domain.Keys.FreeText.Problem(given, 50) is null && given.Trim().Length > 0 ? given.Trim() : UnnamedPerson;
        // Only an address the provider verified: anyone may type an address at many providers, and notices go to it.
        var email = Single(claims, "email_verified") == "true" && Single(claims, mapping.EmailClaim) is { Length: <= 200 } address && System.Net.Mail.MailAddress.TryCreate(address, out var parsed) && parsed.Address == address
            ? address
            : null;
        return (new MappedPerson(role, county, unit, name, email), null);
    }

    /// <summary>
    /// RFC 8176 methods that are a factor beyond a password: <c>mfa</c> itself, or something the person has or is (a
    /// code from a device, a key, a card, a biometric).
    /// </summary>
    private static readonly HashSet<string> SecondFactors = new(StringComparer.Ordinal)
    {
        "mfa", "otp", "hwk", "swk", "sms", "tel", "sc", "pop", "fpt", "face", "iris", "retina", "vbm",
    };

    private static IReadOnlyList<string> Values(IReadOnlyDictionary<string, IReadOnlyList<string>> claims, string claim) =>
        claims.TryGetValue(claim, out var values) ? values.Take(MaxValuesPerClaim).Where(v => v.Length <= MaxValueLength).ToArray() : [];

    /// <summary>The claim's one value; null when absent, empty, too long or not one.</summary>
    private static string? Single(IReadOnlyDictionary<string, IReadOnlyList<string>> claims, string claim) =>
        claims.TryGetValue(claim, out var values) && values.Count == 1 && values[0].Trim() is { Length: > 0 and <= MaxValueLength } value ? value : null;
}
