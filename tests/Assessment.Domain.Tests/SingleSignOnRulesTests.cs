using Assessment.Domain.Accounts;

namespace Assessment.Domain.Tests;

/// <summary>What a provider's claims grant: the first mapped role in the tenant's order, a county and unit of the roster, a clean name.</summary>
public sealed class SingleSignOnRulesTests
{
    private static readonly ClaimMapping Mapping = ClaimMapping.With(
    [
        new RoleMapping("管理员", "tenant_admin"), new RoleMapping("法治督察科", "assessor"), new RoleMapping("县法治办", "county"),
        new RoleMapping("司法局填报", "unit"), new RoleMapping("市领导", "leader"),
    ]);

    private static bool Roster(string county, string? unit) => county == "c1" && unit is null or "u1";

    private static Dictionary<string, IReadOnlyList<string>> Claims(params (string Name, string[] Values)[] claims) =>
        claims.ToDictionary(c => c.Name, c => (IReadOnlyList<string>)c.Values);

    [Fact]
    public void The_first_mapping_in_the_tenants_order_wins_whatever_the_order_of_the_persons_values()
    {
        var (person, problem) = SingleSignOnRules.Map(Mapping, Claims(("roles", ["市领导", "普通用户", "法治督察科"]), ("name", ["张三"]), ("amr", ["pwd", "otp"])), Roster);
        Assert.Null(problem);
        Assert.Equal(new MappedPerson("assessor", null, null, "张三", null), person);
    }

    [Fact]
    public void County_and_unit_roles_take_their_county_and_unit_from_the_claims_and_only_from_the_roster()
    {
        Assert.Equal(new MappedPerson("unit", "c1", "u1", "王五", "wang@example.cn"),
            SingleSignOnRules.Map(Mapping, Claims(("roles", ["司法局填报"]), ("county", ["c1"]), ("unit", ["u1"]), ("name", ["王五"]), ("email", ["wang@example.cn"]), ("email_verified", ["true"])), Roster).Person);
        Assert.Equal(new MappedPerson("county", "c1", null, SingleSignOnRules.UnnamedPerson, null),
            SingleSignOnRules.Map(Mapping, Claims(("roles", ["县法治办"]), ("county", ["c1"]), ("unit", ["u1"])), Roster).Person);

        foreach (var claims in new[]
                 {
                     Claims(("roles", ["县法治办"])),
                     Claims(("roles", ["县法治办"]), ("county", ["c2"])),
                     Claims(("roles", ["县法治办"]), ("county", ["c1", "c2"])),
                     Claims(("roles", ["县法治办"]), ("county", [""])),
                     Claims(("roles", ["司法局填报"]), ("county", ["c1"])),
                     Claims(("roles", ["司法局填报"]), ("county", ["c1"]), ("unit", ["u9"])),
                     Claims(("roles", ["司法局填报"]), ("county", ["c2"]), ("unit", ["u1"])),
                 })
        {
            var (person, problem) = SingleSignOnRules.Map(Mapping, claims, Roster);
            Assert.Null(person);
            Assert.Contains("名单", problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_person_with_no_mapped_value_gets_nothing_however_the_values_differ_from_a_mapping()
    {
        var near = new[] { "", "法治督察", "法治督察科 ", " 法治督察科", "法治督察科\u200b", "ＡＢ", "管理员s", "GUANLIYUAN" };
        foreach (var value in near)
        {
            var (person, problem) = SingleSignOnRules.Map(Mapping, Claims(("roles", [value])), Roster);
            Assert.Null(person);
            Assert.Contains("没有对应本系统的角色", problem, StringComparison.Ordinal);
        }

        Assert.Null(SingleSignOnRules.Map(Mapping, Claims(), Roster).Person);
        Assert.Null(SingleSignOnRules.Map(Mapping, Claims(("groups", ["法治督察科"])), Roster).Person);
        // Only the first MaxValuesPerClaim values are read: a provider sending thousands of groups does not make it slow.
        var many = Enumerable.Range(0, 5000).Select(i => $"g{i}").Append("法治督察科").ToArray();
        Assert.Null(SingleSignOnRules.Map(Mapping, Claims(("roles", many)), Roster).Person);
    }

    [Fact]
    public void A_name_or_address_that_is_not_clean_is_not_taken()
    {
        foreach (var name in new[] { "", "  ", "张\u0000三", "张\u202e三", new string('名', 51) })
        {
            Assert.Equal(SingleSignOnRules.UnnamedPerson, SingleSignOnRules.Map(Mapping, Claims(("roles", ["市领导"]), ("name", [name])), Roster).Person!.Name);
        }

        foreach (var email in new[] { "not an address", "a@b.c\r\nBcc: x@y.z", "张三 <a@b.cn>", new string('a', 200) + "@b.cn" })
        {
            Assert.Null(SingleSignOnRules.Map(Mapping, Claims(("roles", ["市领导"]), ("email", [email]), ("email_verified", ["true"])), Roster).Person!.Email);
        }

        // An address the provider did not verify is not taken, however it looks.
        foreach (var verified in new[] { null, "false", "", "True", "1" })
        {
            var claims = Claims(("roles", ["市领导"]), ("email", ["a@b.cn"]));
            if (verified is not null)
            {
                claims["email_verified"] = [verified];
            }

            Assert.Null(SingleSignOnRules.Map(Mapping, claims, Roster).Person!.Email);
        }
    }

    [Fact]
    public void Roles_that_need_a_second_factor_need_the_provider_to_say_it_asked_for_one_unless_the_tenant_trusts_it()
    {
        foreach (var role in new[] { "管理员", "法治督察科" })
        {
            foreach (var amr in new[] { Array.Empty<string>(), ["pwd"], ["pwd", "kba"], ["pin"], ["user"], ["OTP"], ["rba", "geo"] })
            {
                var (person, problem) = SingleSignOnRules.Map(Mapping, Claims(("roles", [role]), ("amr", amr)), Roster);
                Assert.Null(person);
                Assert.Contains("第二重验证", problem, StringComparison.Ordinal);
            }

            foreach (var amr in new[] { new[] { "mfa" }, ["pwd", "otp"], ["hwk"], ["pwd", "sms"], ["face"], ["swk", "pwd"] })
            {
                Assert.NotNull(SingleSignOnRules.Map(Mapping, Claims(("roles", [role]), ("amr", amr)), Roster).Person);
            }

            Assert.NotNull(SingleSignOnRules.Map(Mapping with { TrustProviderSecondFactor = true }, Claims(("roles", [role])), Roster).Person);
        }

        // Leaders and clerks: a password at the provider is enough.
        Assert.NotNull(SingleSignOnRules.Map(Mapping, Claims(("roles", ["市领导"]), ("amr", ["pwd"])), Roster).Person);
        Assert.NotNull(SingleSignOnRules.Map(Mapping, Claims(("roles", ["县法治办"]), ("county", ["c1"])), Roster).Person);
    }

    [Fact]
    public void On_a_shared_provider_only_the_tenants_own_people_are_mapped_whatever_else_their_claims_say()
    {
        var own = ClaimMapping.With(Mapping.Roles, tenantClaim: "city", tenantValues: ["540600", "540621"]);
        Assert.True(own.NamesTenant);
        Assert.NotNull(SingleSignOnRules.Map(own, Claims(("roles", ["市领导"]), ("city", ["540621"])), Roster).Person);
        Assert.NotNull(SingleSignOnRules.Map(own, Claims(("roles", ["市领导"]), ("city", ["110000", "540600"])), Roster).Person);
        foreach (var city in new[] { Array.Empty<string>(), [""], ["540700"], ["5406"], ["540600 "], [" 540600"], ["540600​"] })
        {
            var (person, problem) = SingleSignOnRules.Map(own, Claims(("roles", ["市领导"]), ("city", city)), Roster);
            Assert.Null(person);
            Assert.Contains("不属于本租户", problem, StringComparison.Ordinal);
        }

        Assert.Null(SingleSignOnRules.Map(own, Claims(("roles", ["市领导"]), ("region", ["540600"])), Roster).Person);
        Assert.False(ClaimMapping.With(Mapping.Roles).NamesTenant);
        Assert.Contains("tenant_values", SingleSignOnRules.Check(ClaimMapping.With(Mapping.Roles, tenantClaim: "city"), "p").Select(p => p.Field));
        Assert.Contains("tenant_values", SingleSignOnRules.Check(Mapping with { TenantValues = ["540600"] }, "p").Select(p => p.Field));
        Assert.Contains("tenant_values", SingleSignOnRules.Check(ClaimMapping.With(Mapping.Roles, tenantClaim: "city", tenantValues: ["a\nb"]), "p").Select(p => p.Field));
        Assert.Contains("tenant_claim", SingleSignOnRules.Check(ClaimMapping.With(Mapping.Roles, tenantClaim: "ci ty", tenantValues: ["1"]), "p").Select(p => p.Field));
    }

    [Fact]
    public void Every_malformed_mapping_is_refused_by_field()
    {
        Assert.Empty(SingleSignOnRules.Check(Mapping, "platform"));
        var cases = new (string Field, ClaimMapping Mapping, string? Client)[]
        {
            ("client_id", Mapping, null), ("client_id", Mapping, " "), ("client_id", Mapping, "a b"), ("client_id", Mapping, new string('c', 201)),
            ("roles", ClaimMapping.With([]), "p"),
            ("roles", ClaimMapping.With(Enumerable.Range(0, 51).Select(i => new RoleMapping($"v{i}", "leader")).ToArray()), "p"),
            ("roles", ClaimMapping.With([new RoleMapping("a", "leader"), new RoleMapping("a", "unit")]), "p"),
            ("roles[0].role", ClaimMapping.With([new RoleMapping("a", "operator")]), "p"),
            ("roles[0].role", ClaimMapping.With([new RoleMapping("a", "Leader")]), "p"),
            ("roles[0].value", ClaimMapping.With([new RoleMapping("", "leader")]), "p"),
            ("roles[0].value", ClaimMapping.With([new RoleMapping("a\nb", "leader")]), "p"),
            ("roles[0].value", ClaimMapping.With([new RoleMapping(new string('v', 201), "leader")]), "p"),
        };
        var names = new[] { " ", "a b", "角色", "a\"b", "a{b}", "a\nb", new string('n', 65) };
        var withNames = names.SelectMany(n => new (string, ClaimMapping, string?)[]
        {
            ("role_claim", Mapping with { RoleClaim = n }, "p"), ("county_claim", Mapping with { CountyClaim = n }, "p"),
            ("unit_claim", Mapping with { UnitClaim = n }, "p"), ("name_claim", Mapping with { NameClaim = n }, "p"),
            ("email_claim", Mapping with { EmailClaim = n }, "p"),
        });
        foreach (var (field, mapping, client) in cases.Concat(withNames))
        {
            Assert.Contains(field, SingleSignOnRules.Check(mapping, client).Select(p => p.Field));
        }
    }

    [Fact]
    public void Absent_claim_names_take_the_usual_ones()
    {
        var mapping = ClaimMapping.With([new RoleMapping("a", "leader")]);
        Assert.Equal(("roles", "county", "unit", "name", "email"), (mapping.RoleClaim, mapping.CountyClaim, mapping.UnitClaim, mapping.NameClaim, mapping.EmailClaim));
        Assert.Equal("groups", ClaimMapping.With([new RoleMapping("a", "leader")], roleClaim: "groups").RoleClaim);
    }
}
