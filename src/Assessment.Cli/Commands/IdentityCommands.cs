using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Cli.Commands;

/// <summary><c>assess whoami</c> and <c>assess catalog</c>: who a key is, and which indicators exist and who reports them.</summary>
public static class IdentityCommands
{
    public static Command WhoAmI()
    {
        var command = new Command("whoami", "显示当前 API 密钥的角色、所属市（州）、县（区）与单位");
        command.SetAction(async (parse, ct) =>
        {
            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var me = await new AccountService.AccountServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), options);
                Console.WriteLine($"角色：{Domain.Workflow.RoleNames.Of(me.Role)}（{me.Role}）");
                Console.WriteLine($"名称：{me.Name}");
                Console.WriteLine($"密钥编号：{me.CredentialId}");
                Console.WriteLine($"市（州）：{Named(me.TenantName, me.Tenant)}");
                if (me.County.Length > 0)
                {
                    Console.WriteLine($"县（区）：{Named(me.CountyName, me.County)}");
                }

                if (me.Unit.Length > 0)
                {
                    Console.WriteLine($"单位：{Named(me.UnitName, me.Unit)}");
                }

                Console.WriteLine($"有效期至：{(me.ExpiresAt is null ? "长期有效" : BeijingTime.Format(me.ExpiresAt))}");
            }

            return 0;
        });
        return command;
    }

    private static string Named(string name, string id) => name.Length == 0 ? id : $"{name}（{id}）";
}
