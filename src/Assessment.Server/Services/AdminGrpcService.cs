using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using static Assessment.Server.Services.AdminProtoMapping;

namespace Assessment.Server.Services;

/// <summary>
/// Tenants, rosters and credentials. Operators act on the tenant a request names; tenant admins only on their own
/// (naming another tenant is denied whether it exists or not).
/// </summary>
[Authorize(Roles = $"{Roles.Operator},{Roles.TenantAdmin}")]
public sealed partial class AdminGrpcService(
    IClusterClient cluster, TenantDesk tenants, RequestLedger ledger, Security.Accounts.AccountDesk accounts, Events.EventSubscriptions events,
    Security.SingleSignOn.SingleSignOnDesk singleSignOn,
    Microsoft.Extensions.Options.IOptions<Grains.RoundOptions> rounds) : AdminService.AdminServiceBase
{
    public const int MaxNextSteps = 10, MaxParagraph = 1000;

    public override Task<TenantInfo> SetBulletinSettings(SetBulletinSettingsRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        var caller = Caller.From(context.GetHttpContext().User);
        return ledger.RunAsync(context, request.RequestId, request,
            ProfileShows(caller, tenant, p => p.Bulletin is { } current && SameBulletin(current, BulletinProfileOf(request))),
            async () => ToProto(await tenants.SetBulletinProfileAsync(caller, tenant, BulletinProfileOf(request))));
    }

    /// <summary>The bulletin settings a request asks for, after its checks (INVALID_ARGUMENT naming each field).</summary>
    private static BulletinProfile BulletinProfileOf(SetBulletinSettingsRequest request)
    {
        var s = request.Settings ?? new Contracts.V1.BulletinSettings();
        var errors = new List<FieldError?>
        {
            s.CopyTo.Length == 0 ? null : Paragraph("settings.copy_to", s.CopyTo),
            s.Printer.Length == 0 ? null : RequestChecks.Name("settings.printer", s.Printer, out _),
            s.NextSteps.Count > MaxNextSteps ? new FieldError("settings.next_steps", $"不超过 {MaxNextSteps} 段") : null,
            Share("settings.weak_average", s.WeakAverage),
            Share("settings.weak_county", s.WeakCounty),
            Share("settings.late_share", s.LateShare),
            s.RankDrop is < 0 or > 10_000 ? new FieldError("settings.rank_drop", "须为 0–10000 的整数（0 为默认 3）") : null,
        };
        errors.AddRange(s.NextSteps.Select((p, i) => string.IsNullOrWhiteSpace(p) ? new FieldError($"settings.next_steps[{i}]", "段落不能为空") : Paragraph($"settings.next_steps[{i}]", p)));
        RequestChecks.Require([.. errors]);
        var defaults = BulletinProfile.Default;
        return new BulletinProfile(
            s.CopyTo.Trim(), s.Printer.Trim(), !s.Restricted, s.NextSteps.Select(p => p.Trim()).ToArray(),
            s.WeakAverage > 0 ? s.WeakAverage : defaults.WeakAverage, s.WeakCounty > 0 ? s.WeakCounty : defaults.WeakCounty,
            s.RankDrop > 0 ? s.RankDrop : defaults.RankDrop, s.LateShare > 0 ? s.LateShare : defaults.LateShare, s.LeadersSeeDrafts);
    }

    private static bool SameBulletin(BulletinProfile a, BulletinProfile b) =>
        a with { NextSteps = [] } == b with { NextSteps = [] } && a.NextSteps.SequenceEqual(b.NextSteps, StringComparer.Ordinal);

    /// <summary>For a write in doubt: the tenant as it is when it shows the write, else null (the write did not happen).</summary>
    private InDoubt<TenantInfo> ProfileShows(Caller caller, string tenant, Func<TenantProfile, bool> tookEffect) =>
        InDoubt<TenantInfo>.ReadTarget(async () =>
            await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile() is { } profile && tookEffect(profile) ? ToProto(profile) : null);

    public override Task<TenantInfo> SetDistribution(SetDistributionRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        var wanted = request.Recipients.Select(r => (r.Id, r.Person.Trim(), r.Office.Trim(), r.Title.Trim(), r.CredentialId.ToLowerInvariant())).ToArray();
        return ledger.RunAsync(context, request.RequestId, request,
            ProfileShows(Caller.From(context.GetHttpContext().User), tenant,
                p => (p.Distribution ?? []).Select(r => (r.Id, r.Person.Trim(), r.Office.Trim(), r.Title.Trim(), r.CredentialId)).SequenceEqual(wanted)),
            async () =>
        {
            var entries = request.Recipients.Take(TenantDesk.MaxRecipients + 1)
                .Select(r => new RecipientEntry(r.Id, r.Person, r.Office, r.Title, r.CredentialId)).ToArray();
            return ToProto(await tenants.SetDistributionAsync(Caller.From(context.GetHttpContext().User), tenant, entries));
        });
    }

    public override Task<TenantInfo> SetWebhook(SetWebhookRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request,
            ProfileShows(Caller.From(context.GetHttpContext().User), tenant, p => p.WebhookUrl == (request.Url.Length == 0 ? null : request.Url)),
            async () =>
        {
            return ToProto(await tenants.SetWebhookAsync(Caller.From(context.GetHttpContext().User), tenant, request.Url, rounds.Value.WebhookRules, context.CancellationToken));
        });
    }

    private static FieldError? Paragraph(string field, string text) =>
        Domain.Keys.FreeText.Problem(text, MaxParagraph) is { } problem ? new FieldError(field, problem) : null;

    private static FieldError? Share(string field, double value) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? null : new FieldError(field, "须为 0–1 之间的比例（0 为默认值）");

    public override Task<UploadTemplateResponse> UploadTemplate(UploadTemplateRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<UploadTemplateResponse>.ReadTarget(async () =>
            await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetTemplate(request.Format) is var current && current == (request.Source.Length == 0 ? null : request.Source)
                ? current is null ? new UploadTemplateResponse { Builtin = true } : new UploadTemplateResponse { Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(current))) }
                : null), () => UploadTemplateOnce(request, context));
    }

    private async Task<UploadTemplateResponse> UploadTemplateOnce(UploadTemplateRequest request, ServerCallContext context)
    {
        var sha = await tenants.SetTemplateAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Format, request.Source);
        return sha is null ? new UploadTemplateResponse { Builtin = true } : new UploadTemplateResponse { Sha256 = sha };
    }

    [Authorize(Roles = Roles.Operator)]
    public override Task<TenantInfo> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<TenantInfo>.ReadTarget(async () =>
            RequestChecks.SlugField("tenant", request.Tenant) is null && RequestChecks.Name("name", request.Name, out var name) is null
                && await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(request.Tenant)).GetProfile() is { } existing && existing.Name == name
                ? ToProto(existing) : null), () => CreateTenantOnce(request, context));
    }

    private async Task<TenantInfo> CreateTenantOnce(CreateTenantRequest request, ServerCallContext context)
    {
        RequestChecks.Require(
            RequestChecks.NewTenantId("tenant", request.Tenant),
            RequestChecks.Name("name", request.Name, out var name),
            RequestChecks.Name("issuer", request.Issuer, out var issuer),
            RequestChecks.Name("document_prefix", request.DocumentPrefix, out var prefix),
            RequestChecks.Name("recipients", request.Recipients, out var recipients));
        var profile = new TenantProfile(request.Tenant, name, issuer, prefix, recipients, [], request.PublishScores);
        if (!await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(request.Tenant)).Create(profile))
        {
            throw new ConflictException($"租户 {request.Tenant} 已存在。");
        }

        return ToProto(profile);
    }

    public override async Task<TenantInfo> GetTenant(GetTenantRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile() ?? throw new NotFoundException("租户不存在。"));
    }

    public override Task<TenantInfo> AddCounty(AddCountyRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<TenantInfo>.ReadTarget(async () =>
            await tenants.WithCountyAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.County, request.Name) is { } profile ? ToProto(profile) : null),
            () => AddCountyOnce(request, context));
    }

    private async Task<TenantInfo> AddCountyOnce(AddCountyRequest request, ServerCallContext context) =>
        ToProto(await tenants.AddCountyAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.County, request.Name, request.Group));

    public override Task<TenantInfo> AddUnit(AddUnitRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<TenantInfo>.ReadTarget(async () =>
            await tenants.WithUnitAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.County, request.Unit, request.Name) is { } profile ? ToProto(profile) : null),
            () => AddUnitOnce(request, context));
    }

    private async Task<TenantInfo> AddUnitOnce(AddUnitRequest request, ServerCallContext context) =>
        ToProto(await tenants.AddUnitAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.County, request.Unit, request.Name, request.Kind));

    public override Task<IssuedCredential> IssueCredential(IssueCredentialRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        // The key is shown once and never stored: in doubt, nothing can give it again.
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<IssuedCredential>.Unresolvable, () => IssueCredentialOnce(request, context));
    }

    private async Task<IssuedCredential> IssueCredentialOnce(IssueCredentialRequest request, ServerCallContext context)
    {
        var (key, summary) = await tenants.IssueAsync(Caller.From(context.GetHttpContext().User), request.Tenant, ParseRole(request.Role),
            request.County, request.Unit, request.Name, request.ExpiresAt);
        return new IssuedCredential { Key = key, Credential = ToProto(summary) };
    }

    public override async Task<ListCredentialsResponse> ListCredentials(ListCredentialsRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        var offset = 0;
        RequestChecks.Require(
            request.PageSize is < 0 or > 500 ? new FieldError("page_size", "须在 1–500 之间（0 为默认 100）") : null,
            request.PageToken.Length == 0 || (int.TryParse(request.PageToken, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out offset) && offset >= 0)
                ? null
                : new FieldError("page_token", "须为上一页返回的 next_page_token"));
        var size = request.PageSize == 0 ? 100 : request.PageSize;
        var page = await tenants.ListCredentialsAsync(Caller.From(context.GetHttpContext().User), tenant, offset, size + 1);
        var response = new ListCredentialsResponse
        {
            NextPageToken = page.Count > size ? (offset + size).ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        };
        response.Credentials.AddRange(page.Take(size).Select(ToProto));
        return response;
    }

    public override Task<IssuedCredential> RotateCredential(CredentialRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<IssuedCredential>.Unresolvable, () => RotateCredentialOnce(request, context));
    }

    private async Task<IssuedCredential> RotateCredentialOnce(CredentialRef request, ServerCallContext context)
    {
        var (key, summary) = await tenants.RotateAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Id);
        return new IssuedCredential { Key = key, Credential = ToProto(summary) };
    }

    public override Task<Contracts.V1.CredentialSummary> RevokeCredential(CredentialRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<Contracts.V1.CredentialSummary>.RepeatIsRead, () => RevokeCredentialOnce(request, context));
    }

    private async Task<Contracts.V1.CredentialSummary> RevokeCredentialOnce(CredentialRef request, ServerCallContext context) =>
        ToProto(await tenants.RevokeAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Id));

    /// <summary>An operator's request names the tenant; anyone else acts on their own tenant only.</summary>
    private static string TargetTenant(ServerCallContext context, string requested) =>
        TenantDesk.Target(Caller.From(context.GetHttpContext().User), requested);

    private static Role? ParseRole(string role) => RoleWire.Parse(role);
}
