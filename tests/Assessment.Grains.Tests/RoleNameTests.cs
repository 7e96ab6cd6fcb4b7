using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

/// <summary>Every role has one Chinese name, whichever spelling names it (the code's enum, the wire's snake case).</summary>
public sealed class RoleNameTests
{
    public static TheoryData<Role> Roles() => new(Enum.GetValues<Role>());

    [Theory]
    [MemberData(nameof(Roles))]
    public void Each_role_has_one_Chinese_name_in_both_spellings(Role role)
    {
        var code = role.ToString();
        var wire = string.Concat(code.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        var name = RoleNames.Of(code);
        Assert.Matches("^[\u4e00-\u9fff（）]+$", name);
        Assert.Equal(name, RoleNames.Of(wire));
        Assert.Equal(name, AuditWords.Role(code));
        Assert.Equal($"张三（{name}，批量导入）", AuditWords.Actor($"张三（{code}，批量导入）"));
    }

    [Fact]
    public void Roles_have_distinct_names() =>
        Assert.Equal(Enum.GetValues<Role>().Length, Enum.GetValues<Role>().Select(r => RoleNames.Of(r.ToString())).Distinct().Count());
}
