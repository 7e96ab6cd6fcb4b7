using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Server.Services;

/// <summary>Protobuf messages of the admin service from the grains' records.</summary>
internal static class AdminProtoMapping
{
    public static string RoleName(Role role) => RoleWire.Of(role);

    public static Contracts.V1.CredentialSummary ToProto(Grains.Abstractions.CredentialSummary s)
    {
        var c = s.Credential;
        var proto = new Contracts.V1.CredentialSummary
        {
            Id = s.Id,
            Tenant = c.Tenant,
            Role = RoleName(c.Role),
            County = c.County ?? "",
            Unit = c.Unit ?? "",
            Name = c.Name,
            Revoked = c.Revoked,
        };
        if (c.CreatedAt is { } created)
        {
            proto.CreatedAt = Timestamp.FromDateTimeOffset(created);
        }

        if (c.ExpiresAt is { } expires)
        {
            proto.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        }

        return proto;
    }

    public static TenantInfo ToProto(TenantProfile p)
    {
        var info = new TenantInfo
        {
            Tenant = p.Id,
            Name = p.Name,
            Issuer = p.Issuer,
            DocumentPrefix = p.DocumentPrefix,
            Recipients = p.Recipients,
            PublishScores = p.PublishScores,
            BulletinSettings = ToProto(p.Bulletin ?? BulletinProfile.Default),
            HasWebhook = !string.IsNullOrEmpty(p.WebhookUrl),
        };
        info.Distribution.AddRange((p.Distribution ?? []).Select(r => new Recipient
        {
            Id = r.Id,
            Person = r.Person,
            Office = r.Office,
            Title = r.Title,
            CredentialId = r.CredentialId,
        }));
        info.Counties.AddRange(p.Counties.Select(c =>
        {
            var county = new RosterCounty { Id = c.Id, Name = c.Name, Group = c.Group ?? "" };
            county.Units.AddRange(c.Units.Select(u => new RosterUnit { Id = u.Id, Name = u.Name, Kind = u.Kind }));
            return county;
        }));
        return info;
    }

    public static BulletinSettings ToProto(BulletinProfile b)
    {
        var settings = new BulletinSettings
        {
            CopyTo = b.CopyTo,
            Printer = b.Printer,
            Restricted = !b.Public,
            WeakAverage = b.WeakAverage,
            WeakCounty = b.WeakCounty,
            RankDrop = b.RankDrop,
            LateShare = b.LateShare,
            LeadersSeeDrafts = b.LeadersSeeDrafts,
        };
        settings.NextSteps.AddRange(b.NextSteps ?? []);
        return settings;
    }

    public static AccountInfo ToProto(Security.Accounts.Account a) => new()
    {
        Login = a.Login,
        Name = a.Name,
        Role = a.Role,
        County = a.County ?? "",
        Unit = a.Unit ?? "",
        Email = a.Email ?? "",
        Id = a.Id,
        State = a.StateAt(DateTimeOffset.UtcNow),
        SecondFactor = a.TotpConfirmed,
        SingleSignOn = a.IsSingleSignOn,
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(a.CreatedAt),
    };

    public static Domain.Accounts.ClaimMapping FromProto(SetSingleSignOnRequest r) => Domain.Accounts.ClaimMapping.With(
        r.Roles.Take(Domain.Accounts.SingleSignOnRules.MaxRoleMappings + 1).Select(m => new Domain.Accounts.RoleMapping(m.Value.Trim(), m.Role)).ToArray(),
        r.RoleClaim, r.CountyClaim, r.UnitClaim, r.NameClaim, r.EmailClaim, r.TenantClaim,
        r.TenantValues.Take(Domain.Accounts.SingleSignOnRules.MaxTenantValues + 1).ToArray(), r.TrustProviderSecondFactor);

    public static SingleSignOn ToProto(Security.SingleSignOn.ProviderSettings? s) => s is null
        ? new SingleSignOn { Enabled = false, RedirectPath = Security.SingleSignOn.SingleSignOnDesk.CallbackPath }
        : new SingleSignOn
        {
            Enabled = true,
            Issuer = s.Issuer,
            ClientId = s.ClientId,
            HasClientSecret = s.ProtectedSecret is not null,
            RoleClaim = s.Mapping.RoleClaim,
            Roles = { s.Mapping.Roles.Select(r => new RoleMapping { Value = r.Value, Role = r.Role }) },
            CountyClaim = s.Mapping.CountyClaim,
            UnitClaim = s.Mapping.UnitClaim,
            NameClaim = s.Mapping.NameClaim,
            EmailClaim = s.Mapping.EmailClaim,
            RedirectPath = Security.SingleSignOn.SingleSignOnDesk.CallbackPath,
            TenantClaim = s.Mapping.TenantClaim ?? "",
            TenantValues = { s.Mapping.TenantValues ?? [] },
            TrustProviderSecondFactor = s.Mapping.TrustProviderSecondFactor,
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(s.UpdatedAt),
        };

    public static Subscription ToProto(Events.EventSubscription s) => new()
    {
        Id = s.Id.ToString("D"),
        Url = s.Url,
        Kinds = { s.Kinds },
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(s.CreatedAt),
    };

    public static Delivery ToProto(Events.EventDelivery d) => new()
    {
        Id = d.Id,
        Subscription = d.Subscription.ToString("D"),
        EventId = d.EventId,
        Kind = d.Kind,
        Payload = d.Payload,
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(d.CreatedAt),
        Attempts = d.Attempts,
        State = d.State,
        DeliveredAt = d.DeliveredAt is { } at ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at) : null,
        NextAttemptAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(d.NextAttemptAt),
        LastStatus = d.LastStatus ?? 0,
        LastError = d.LastError ?? "",
    };
}
