using System.Globalization;
using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>What a key is, for any valid key: its role and scope with the names people know them by.</summary>
[Authorize]
public sealed class AccountGrpcService(IClusterClient cluster) : AccountService.AccountServiceBase
{
    public override async Task<Identity> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        var caller = Caller.From(user);
        var identity = new Identity
        {
            Role = AdminProtoMapping.RoleName(caller.Role),
            Name = caller.Name,
            CredentialId = user.FindFirst(Caller.CredentialClaim)?.Value ?? "",
            Tenant = caller.Tenant,
            County = caller.County ?? "",
            Unit = caller.Unit ?? "",
        };
        if (caller.Role != Role.Operator && await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile() is { } profile)
        {
            identity.TenantName = profile.Name;
            var county = caller.County is null ? null : profile.County(caller.County);
            identity.CountyName = county?.Name ?? "";
            identity.UnitName = county?.Units.FirstOrDefault(u => u.Id == caller.Unit)?.Name ?? "";
        }

        if (user.FindFirst(Caller.ExpiresClaim)?.Value is { } expires && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            identity.ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(seconds));
        }

        return identity;
    }
}
