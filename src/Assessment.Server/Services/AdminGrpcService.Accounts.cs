using Assessment.Contracts.V1;
using Assessment.Server.Security;
using Assessment.Server.Security.Accounts;
using Grpc.Core;
using static Assessment.Server.Services.AdminProtoMapping;

namespace Assessment.Server.Services;

/// <summary>Personal accounts over gRPC: the same <see cref="AccountDesk"/> acts as for the 账号管理 page.</summary>
public sealed partial class AdminGrpcService
{
    public override Task<AccountSetup> CreateAccount(CreateAccountRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        // The link's token is kept only as a hash: a retry with the same id gets the first answer from the ledger.
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<AccountSetup>.Unresolvable, async () =>
        {
            var (account, token) = await accounts.CreateAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Login, request.Name,
                request.Role, request.County, request.Unit, request.Email);
            return new AccountSetup { Account = ToProto(account), SetupToken = token };
        });
    }

    public override async Task<ListAccountsResponse> ListAccounts(ListAccountsRequest request, ServerCallContext context)
    {
        var list = await accounts.ListAsync(Caller.From(context.GetHttpContext().User), request.Tenant);
        return new ListAccountsResponse { Accounts = { list.Select(ToProto) } };
    }

    public override Task<AccountSetup> ResetAccount(AccountRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<AccountSetup>.Unresolvable, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            var token = await accounts.ResetAsync(caller, request.Tenant, request.Login);
            var account = (await accounts.ListAsync(caller, request.Tenant)).Single(a => a.Login == request.Login);
            return new AccountSetup { Account = ToProto(account), SetupToken = token };
        });
    }

    public override Task<AccountInfo> DisableAccount(AccountRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<AccountInfo>.RepeatIsRead,
            async () => ToProto(await accounts.DisableAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Login)));
    }
}
