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
public sealed class AdminGrpcService(
    IClusterClient cluster, CredentialService credentials, Bulletins.BulletinRenderer renderer, RequestLedger ledger,
    Microsoft.Extensions.Options.IOptions<Grains.RoundOptions> rounds) : AdminService.AdminServiceBase
{
    public const int MaxRecipients = 200, MaxNextSteps = 10, MaxParagraph = 1000;

    public override Task<TenantInfo> SetBulletinSettings(SetBulletinSettingsRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, async () =>
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
            var profile = new BulletinProfile(
                s.CopyTo.Trim(), s.Printer.Trim(), !s.Restricted, s.NextSteps.Select(p => p.Trim()).ToArray(),
                s.WeakAverage > 0 ? s.WeakAverage : defaults.WeakAverage, s.WeakCounty > 0 ? s.WeakCounty : defaults.WeakCounty,
                s.RankDrop > 0 ? s.RankDrop : defaults.RankDrop, s.LateShare > 0 ? s.LateShare : defaults.LateShare, s.LeadersSeeDrafts);
            return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).SetBulletinProfile(profile));
        });
    }

    public override Task<TenantInfo> SetDistribution(SetDistributionRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, async () =>
        {
            var errors = new List<FieldError?> { request.Recipients.Count > MaxRecipients ? new FieldError("recipients", $"分发对象不超过 {MaxRecipients} 位") : null };
            var recipients = new List<BulletinRecipient>();
            for (var i = 0; i < Math.Min(request.Recipients.Count, MaxRecipients); i++)
            {
                var r = request.Recipients[i];
                var at = $"recipients[{i}]";
                errors.Add(RequestChecks.SlugField($"{at}.id", r.Id));
                errors.Add(RequestChecks.Name($"{at}.person", r.Person, out var person));
                errors.Add(RequestChecks.Name($"{at}.office", r.Office, out var office));
                var title = "";
                errors.Add(r.Title.Length == 0 ? null : RequestChecks.Name($"{at}.title", r.Title, out title));
                if (recipients.Exists(x => x.Id == r.Id))
                {
                    errors.Add(new FieldError($"{at}.id", "分发对象标识重复"));
                }

                var credential = await credentials.FindAsync(tenant, r.CredentialId);
                errors.Add(credential is null ? new FieldError($"{at}.credential_id", "本市（州）没有该凭据")
                    : credential.Credential.Role != Role.Leader ? new FieldError($"{at}.credential_id", "须为领导凭据")
                    : !credential.Credential.IsActive(DateTimeOffset.UtcNow) ? new FieldError($"{at}.credential_id", "该凭据已吊销或过期")
                    : null);
                recipients.Add(new BulletinRecipient(r.Id, person, office, title, r.CredentialId.ToLowerInvariant()));
            }

            RequestChecks.Require([.. errors]);
            return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).SetDistribution([.. recipients]));
        });
    }

    public override Task<TenantInfo> SetWebhook(SetWebhookRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, async () =>
        {
            var url = request.Url.Trim();
            RequestChecks.Require(url.Length == 0 ? null
                : Domain.Keys.WebhookAddress.Problem(url, rounds.Value.AllowLoopbackWebhooks) is { } problem ? new FieldError("url", problem) : null);
            return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).SetWebhook(url.Length == 0 ? null : url));
        });
    }

    private static FieldError? Paragraph(string field, string text) =>
        Domain.Keys.FreeText.Problem(text, MaxParagraph) is { } problem ? new FieldError(field, problem) : null;

    private static FieldError? Share(string field, double value) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? null : new FieldError(field, "须为 0–1 之间的比例（0 为默认值）");

    public override Task<UploadTemplateResponse> UploadTemplate(UploadTemplateRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, () => UploadTemplateOnce(request, context));
    }

    private async Task<UploadTemplateResponse> UploadTemplateOnce(UploadTemplateRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        Bulletins.BulletinFormat? format = request.Format switch { "html" => Bulletins.BulletinFormat.Html, "markdown" => Bulletins.BulletinFormat.Markdown, _ => null };
        RequestChecks.Require(format is null ? new FieldError("format", "须为 html 或 markdown") : null);
        var grain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        if (request.Source.Length == 0)
        {
            await grain.SetTemplate(request.Format, null);
            return new UploadTemplateResponse { Builtin = true };
        }

        var problems = renderer.Check(request.Source, format!.Value);
        if (problems.Count > 0)
        {
            throw new ValidationFailedException(problems.Select(p => new FieldError("source", p)).ToArray());
        }

        await grain.SetTemplate(request.Format, request.Source);
        return new UploadTemplateResponse
        {
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Source))),
        };
    }

    [Authorize(Roles = Roles.Operator)]
    public override Task<TenantInfo> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        return ledger.RunAsync(context, request.RequestId, request, () => CreateTenantOnce(request, context));
    }

    private async Task<TenantInfo> CreateTenantOnce(CreateTenantRequest request, ServerCallContext context)
    {
        RequestChecks.Require(
            RequestChecks.SlugField("tenant", request.Tenant),
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
        return ledger.RunAsync(context, request.RequestId, request, () => AddCountyOnce(request, context));
    }

    private async Task<TenantInfo> AddCountyOnce(AddCountyRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        RequestChecks.Require(
            RequestChecks.SlugField("county", request.County),
            RequestChecks.Name("name", request.Name, out var name),
            request.Group.Length == 0 ? null : RequestChecks.Name("group", request.Group, out _));
        return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant))
            .AddCounty(new CountyInfo(request.County, name, [], request.Group.Length == 0 ? null : request.Group)));
    }

    public override Task<TenantInfo> AddUnit(AddUnitRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, () => AddUnitOnce(request, context));
    }

    private async Task<TenantInfo> AddUnitOnce(AddUnitRequest request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        RequestChecks.Require(
            RequestChecks.SlugField("county", request.County),
            RequestChecks.SlugField("unit", request.Unit),
            RequestChecks.Name("name", request.Name, out var name));
        return ToProto(await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).AddUnit(request.County, new UnitInfo(request.Unit, name)));
    }

    public override Task<IssuedCredential> IssueCredential(IssueCredentialRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, () => IssueCredentialOnce(request, context));
    }

    private async Task<IssuedCredential> IssueCredentialOnce(IssueCredentialRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var tenant = TargetTenant(context, request.Tenant);
        var role = ParseRole(request.Role);
        if (role is Role.Operator && caller.Role != Role.Operator)
        {
            throw new PermissionDeniedException();
        }

        RequestChecks.Require(
            role is null ? new FieldError("role", "须为 unit、county、assessor、leader、tenant_admin、operator 之一") : null,
            role is Role.Unit or Role.County ? RequestChecks.SlugField("county", request.County) : request.County.Length > 0 ? new FieldError("county", "只有县级与单位凭据有县（区）") : null,
            role is Role.Unit ? RequestChecks.SlugField("unit", request.Unit) : request.Unit.Length > 0 ? new FieldError("unit", "只有单位凭据有单位") : null,
            RequestChecks.Name("name", request.Name, out var name),
            RequestChecks.Time("expires_at", request.ExpiresAt, out var expiresAt)
                ?? (expiresAt <= DateTimeOffset.UtcNow ? new FieldError("expires_at", "须晚于当前时间") : null));
        if (role is Role.Operator)
        {
            tenant = CredentialService.PlatformTenant;
        }
        else if (await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile() is not { } profile)
        {
            throw new NotFoundException("租户不存在。");
        }
        else if (role is Role.Unit or Role.County && (profile.County(request.County) is not { } county
            || (role is Role.Unit && !Array.Exists(county.Units, u => u.Id == request.Unit))))
        {
            throw new NotFoundException("名单中没有该县（区）或单位。");
        }

        var (key, summary) = await credentials.IssueAsync(new Credential(role!.Value, tenant,
            role is Role.Unit or Role.County ? request.County : null, role is Role.Unit ? request.Unit : null, name,
            ExpiresAt: expiresAt));
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
        var page = await credentials.ListAsync(tenant, offset, size + 1);
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
        return ledger.RunAsync(context, request.RequestId, request, () => RotateCredentialOnce(request, context));
    }

    private async Task<IssuedCredential> RotateCredentialOnce(CredentialRef request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        var (key, summary) = await credentials.RotateAsync(tenant, request.Id) ?? throw new NotFoundException("没有该凭据，或它已被撤销。");
        return new IssuedCredential { Key = key, Credential = ToProto(summary) };
    }

    public override Task<Contracts.V1.CredentialSummary> RevokeCredential(CredentialRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant); // authorize before anything else
        return ledger.RunAsync(context, request.RequestId, request, () => RevokeCredentialOnce(request, context));
    }

    private async Task<Contracts.V1.CredentialSummary> RevokeCredentialOnce(CredentialRef request, ServerCallContext context)
    {
        var tenant = TargetTenant(context, request.Tenant);
        return ToProto(await credentials.RevokeAsync(tenant, request.Id) ?? throw new NotFoundException("没有该凭据。"));
    }

    /// <summary>An operator's request names the tenant; anyone else acts on their own tenant only.</summary>
    private static string TargetTenant(ServerCallContext context, string requested)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        if (caller.Role == Role.Operator)
        {
            RequestChecks.Require(RequestChecks.SlugField("tenant", requested));
            return requested;
        }

        return requested.Length == 0 || requested == caller.Tenant ? caller.Tenant : throw new PermissionDeniedException();
    }

    private static Role? ParseRole(string role) => role switch
    {
        "unit" => Role.Unit,
        "county" => Role.County,
        "assessor" => Role.Assessor,
        "leader" => Role.Leader,
        "tenant_admin" => Role.TenantAdmin,
        "operator" => Role.Operator,
        _ => null,
    };
}
