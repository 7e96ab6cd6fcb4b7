namespace Assessment.Domain.Workflow;

/// <summary>
/// The one Chinese name of each role, wherever a person reads it (workbench, CLI, audit trail, exports, the demo keys
/// file). Roles arrive in two spellings: the wire's ("tenant_admin") and the code's ("TenantAdmin"); both name the same.
/// </summary>
public static class RoleNames
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["unit"] = "填报单位",
        ["county"] = "县（区）",
        ["assessor"] = "考核办",
        ["member"] = "考核组成员",
        ["leader"] = "领导",
        ["tenantadmin"] = "租户管理员",
        ["operator"] = "平台运维",
    };

    /// <summary>The Chinese name of <paramref name="role"/> in either spelling; an unknown role as it is.</summary>
    public static string Of(string role) =>
        Names.GetValueOrDefault(role.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant(), role);
}
