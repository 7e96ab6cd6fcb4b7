namespace Assessment.Grains.Abstractions;

[GenerateSerializer, Immutable, Alias("assessment.UnitInfo")]
public sealed record UnitInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] string Kind = "department");

/// <summary>A county of the roster; <see cref="Group"/> (e.g. 区 or 县) selects the scheme's grade scale for it.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyInfo")]
public sealed record CountyInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] UnitInfo[] Units, [property: Id(3)] string? Group = null);

/// <summary>A prefecture: its profile (as printed on bulletins) and its roster of counties and units.</summary>
[GenerateSerializer, Immutable, Alias("assessment.TenantProfile")]
public sealed record TenantProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Issuer,
    [property: Id(3)] string DocumentPrefix,
    [property: Id(4)] string Recipients,
    [property: Id(5)] CountyInfo[] Counties,
    [property: Id(6)] bool PublishScores = true,
    [property: Id(7)] string? WebhookUrl = null,
    [property: Id(8)] BulletinProfile? Bulletin = null,
    [property: Id(9)] BulletinRecipient[]? Distribution = null)
{
    public CountyInfo? County(string id) => Array.Find(Counties, c => c.Id == id);
}

/// <summary>
/// How a prefecture's bulletins read: 抄送, 印发机关, 附注 (public or not), the 下一步要求 paragraphs, the thresholds of
/// the 存在问题 sentences, and whether leaders may read drafts (征求意见).
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinProfile")]
public sealed record BulletinProfile(
    [property: Id(0)] string CopyTo = "",
    [property: Id(1)] string Printer = "",
    [property: Id(2)] bool Public = true,
    [property: Id(3)] string[]? NextSteps = null,
    [property: Id(4)] double WeakAverage = 0.8,
    [property: Id(5)] double WeakCounty = 0.6,
    [property: Id(6)] int RankDrop = 3,
    [property: Id(7)] double LateShare = 0.05,
    [property: Id(8)] bool LeadersSeeDrafts = false)
{
    public static readonly BulletinProfile Default = new();
}

/// <summary>A recipient of the tenant's bulletins (分发对象), bound to one leader credential (by its id).</summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinRecipient")]
public sealed record BulletinRecipient(
    [property: Id(0)] string Id,
    [property: Id(1)] string Person,
    [property: Id(2)] string Office,
    [property: Id(3)] string Title,
    [property: Id(4)] string CredentialId);

public enum Role
{
    Unit = 1,
    County = 2,
    Assessor = 3,
    Leader = 4,
    TenantAdmin = 5,
    Operator = 6,

    /// <summary>
    /// 考核组成员: scores the items the 考核组 scores (the 细则's lines on assessor-entered scores) and 复核s the scores of
    /// others on the 考核组评分表 — nothing of the workflow (退回, 审核通过, 核查调整, rounds, bulletins) and no figures of
    /// the counties beyond that table.
    /// </summary>
    Member = 7,
}

/// <summary>The wire names of roles (unit, county, assessor, member, leader, tenant_admin, operator), in one place.</summary>
public static class RoleWire
{
    public static string Of(Role role) => role switch
    {
        Role.TenantAdmin => "tenant_admin",
        _ => role.ToString().ToLowerInvariant(),
    };

    /// <summary>The role a wire name names; null for anything else (an enum number included).</summary>
    public static Role? Parse(string? name) => name switch
    {
        "unit" => Role.Unit,
        "county" => Role.County,
        "assessor" => Role.Assessor,
        "member" => Role.Member,
        "leader" => Role.Leader,
        "tenant_admin" => Role.TenantAdmin,
        "operator" => Role.Operator,
        _ => null,
    };
}

/// <summary>What a credential may do; the tenant, county and unit of every call come from here only.</summary>
[GenerateSerializer, Immutable, Alias("assessment.Credential")]
public sealed record Credential(
    [property: Id(0)] Role Role,
    [property: Id(1)] string Tenant,
    [property: Id(2)] string? County,
    [property: Id(3)] string? Unit,
    [property: Id(4)] string Name,
    [property: Id(5)] bool Revoked = false,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] DateTimeOffset? CreatedAt = null)
{
    /// <summary>Whether the credential may be used at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => !Revoked && (ExpiresAt is not { } until || now < until);
}

/// <summary>
/// What is listed of a credential: never the key, only its id (the first 16 hex digits of the key's SHA-256).
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.CredentialSummary")]
public sealed record CredentialSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] Credential Credential);
