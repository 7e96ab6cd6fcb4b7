using Assessment.Contracts.V1;
using Assessment.Server.Security;
using Grpc.Core;
using static Assessment.Server.Services.AdminProtoMapping;

namespace Assessment.Server.Services;

/// <summary>The tenant's OpenID provider over gRPC: the same <see cref="Security.SingleSignOn.SingleSignOnDesk"/> signs people in through it.</summary>
public sealed partial class AdminGrpcService
{
    public override Task<SingleSignOn> SetSingleSignOn(SetSingleSignOnRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        // Setting the same provider again changes nothing but the time: a repeat is a read.
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<SingleSignOn>.RepeatIsRead, async () =>
            ToProto(await singleSignOn.ConfigureAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Issuer, request.ClientId,
                request.ClientSecret, FromProto(request), context.CancellationToken)));
    }

    public override async Task<SingleSignOn> GetSingleSignOn(GetSingleSignOnRequest request, ServerCallContext context) =>
        ToProto(await singleSignOn.SettingsAsync(Caller.From(context.GetHttpContext().User), request.Tenant));
}
