namespace Assessment.Domain.Accounts;

/// <summary>One value of the provider's role claim and the tenant role it grants (unit, county, assessor, leader, tenant_admin).</summary>
public sealed record RoleMapping(string Value, string Role);

/// <summary>
/// How a tenant reads the claims its OpenID provider sends about a person: which claim carries the roles and which
/// values mean which tenant role (the first mapping, in the order given, that matches one of the person's values wins),
/// and which claims carry the county and unit (as the roster names them), the name and the e-mail address.
/// </summary>
public sealed record ClaimMapping(
    string RoleClaim, IReadOnlyList<RoleMapping> Roles, string CountyClaim, string UnitClaim, string NameClaim, string EmailClaim)
{
    public static ClaimMapping With(IReadOnlyList<RoleMapping> roles, string? roleClaim = null, string? countyClaim = null, string? unitClaim = null,
        string? nameClaim = null, string? emailClaim = null) => new(
        Or(roleClaim, "roles"), roles, Or(countyClaim, "county"), Or(unitClaim, "unit"), Or(nameClaim, "name"), Or(emailClaim, "email"));

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
    public const int MaxClaimNameLength = 64;
    public const int MaxValueLength = 200;

    /// <summary>Values of one claim looked at; a person with more (a provider sending every group) is read up to here.</summary>
    public const int MaxValuesPerClaim = 200;

    public const int MaxClientIdLength = 200;
    public const int MaxClientSecretLength = 500;

    /// <summary>The name of a person whose provider sends none.</summary>
    public const string UnnamedPerson = "统一身份认证用户";

    public static readonly string[] RoleNames = ["unit", "county", "assessor", "leader", "tenant_admin"];

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

            if (Array.IndexOf(RoleNames, role) < 0)
            {
                problems.Add(($"roles[{i}].role", "须为 unit、county、assessor、leader、tenant_admin 之一"));
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
        var values = Values(claims, mapping.RoleClaim);
        var role = mapping.Roles.FirstOrDefault(m => values.Contains(m.Value, StringComparer.Ordinal))?.Role;
        if (role is null)
        {
            return (null, "您的统一身份认证账号没有对应本系统的角色，请联系租户管理员开通。");
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
        var email = Single(claims, mapping.EmailClaim) is { Length: <= 200 } address && System.Net.Mail.MailAddress.TryCreate(address, out var parsed) && parsed.Address == address
            ? address
            : null;
        return (new MappedPerson(role, county, unit, name, email), null);
    }

    private static IReadOnlyList<string> Values(IReadOnlyDictionary<string, IReadOnlyList<string>> claims, string claim) =>
        claims.TryGetValue(claim, out var values) ? values.Take(MaxValuesPerClaim).Where(v => v.Length <= MaxValueLength).ToArray() : [];

    /// <summary>The claim's one value; null when absent, empty, too long or not one.</summary>
    private static string? Single(IReadOnlyDictionary<string, IReadOnlyList<string>> claims, string claim) =>
        claims.TryGetValue(claim, out var values) && values.Count == 1 && values[0].Trim() is { Length: > 0 and <= MaxValueLength } value ? value : null;
}
