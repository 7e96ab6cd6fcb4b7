using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>A recipient of the bulletin as entered (checked by <see cref="TenantDesk.SetDistributionAsync"/>).</summary>
public sealed record RecipientEntry(string Id, string Person, string Office, string Title, string CredentialId);

/// <summary>
/// A tenant's administration — roster, keys, distribution list, templates — for the gRPC admin service and the
/// tenant admin's pages alike. Operators act on the tenant they name; tenant admins on their own only (naming another
/// is denied whether it exists or not).
/// </summary>
public sealed class TenantDesk(IClusterClient cluster, CredentialService credentials, Bulletins.BulletinRenderer renderer)
{
    public const int MaxRecipients = 200;

    public static string Target(Caller caller, string? requested)
    {
        if (caller.Role == Role.Operator)
        {
            RequestChecks.Require(RequestChecks.SlugField("tenant", requested ?? ""));
            return requested!;
        }

        return caller.Role == Role.TenantAdmin && (string.IsNullOrEmpty(requested) || requested == caller.Tenant)
            ? caller.Tenant
            : throw new PermissionDeniedException();
    }

    /// <summary>The tenant's bulletin settings (checked by the caller's mapping layer), replaced whole.</summary>
    public Task<TenantProfile> SetBulletinProfileAsync(Caller caller, string? tenant, BulletinProfile profile) =>
        Tenant(Target(caller, tenant)).SetBulletinProfile(profile);

    /// <summary>The tenant's webhook (null removes it), after the address rules and the addresses its name resolves to now.</summary>
    public async Task<TenantProfile> SetWebhookAsync(Caller caller, string? tenant, string? url, Domain.Keys.WebhookRules rules, CancellationToken ct)
    {
        var target = Target(caller, tenant);
        RequestChecks.Require(string.IsNullOrEmpty(url) ? null
            : await WebhookTargets.ProblemAsync(url, rules, ct) is { } problem ? new FieldError("url", problem) : null);
        return await Tenant(target).SetWebhook(string.IsNullOrEmpty(url) ? null : url);
    }

    public async Task<TenantProfile> ProfileAsync(Caller caller, string? tenant) =>
        await Tenant(Target(caller, tenant)).GetProfile() ?? throw new NotFoundException("租户不存在。");

    public Task<TenantProfile> AddCountyAsync(Caller caller, string? tenant, string county, string name, string? group)
    {
        var target = Target(caller, tenant);
        RequestChecks.Require(
            RequestChecks.SlugField("county", county),
            RequestChecks.Name("name", name, out var checkedName),
            string.IsNullOrEmpty(group) ? null : RequestChecks.Name("group", group, out _));
        return Tenant(target).AddCounty(new CountyInfo(county, checkedName, [], string.IsNullOrEmpty(group) ? null : group));
    }

    public Task<TenantProfile> AddUnitAsync(Caller caller, string? tenant, string county, string unit, string name, string? kind = null)
    {
        var target = Target(caller, tenant);
        RequestChecks.Require(
            RequestChecks.SlugField("county", county),
            RequestChecks.SlugField("unit", unit),
            RequestChecks.Name("name", name, out var checkedName),
            string.IsNullOrEmpty(kind) || Domain.Catalog.UnitKindNames.IsKnown(kind)
                ? null
                : new FieldError("kind", "单位类型须为 township（乡镇、街道）或 department（县直部门）"));
        return Tenant(target).AddUnit(county, new UnitInfo(unit, checkedName, string.IsNullOrEmpty(kind) ? Domain.Catalog.UnitKindNames.Department : kind));
    }

    /// <summary>For a retry in doubt: the roster when it already has this county under this name, else null.</summary>
    public async Task<TenantProfile?> WithCountyAsync(Caller caller, string? tenant, string county, string name)
    {
        var profile = await Tenant(Target(caller, tenant)).GetProfile();
        return RequestChecks.Name("name", name, out var checkedName) is null && profile?.County(county)?.Name == checkedName ? profile : null;
    }

    /// <summary>For a retry in doubt: the roster when its county already has this unit under this name, else null.</summary>
    public async Task<TenantProfile?> WithUnitAsync(Caller caller, string? tenant, string county, string unit, string name)
    {
        var profile = await Tenant(Target(caller, tenant)).GetProfile();
        return RequestChecks.Name("name", name, out var checkedName) is null
            && profile?.County(county)?.Units.FirstOrDefault(u => u.Id == unit)?.Name == checkedName ? profile : null;
    }

    /// <summary>Issues a key; the key itself is returned once and never stored (only its hash).</summary>
    public async Task<(string Key, CredentialSummary Summary)> IssueAsync(Caller caller, string? tenant, Role? role, string? county, string? unit, string name,
        Google.Protobuf.WellKnownTypes.Timestamp? expires)
    {
        var target = Target(caller, tenant);
        if (role is Role.Operator && caller.Role != Role.Operator)
        {
            throw new PermissionDeniedException();
        }

        county ??= "";
        unit ??= "";
        RequestChecks.Require(
            role is null ? new FieldError("role", "须为 unit、county、assessor、member、leader、tenant_admin、operator 之一") : null,
            role is Role.Unit or Role.County ? RequestChecks.SlugField("county", county) : county.Length > 0 ? new FieldError("county", "只有县级与单位凭据有县（区）") : null,
            role is Role.Unit ? RequestChecks.SlugField("unit", unit) : unit.Length > 0 ? new FieldError("unit", "只有单位凭据有单位") : null,
            RequestChecks.Name("name", name, out var checkedName),
            RequestChecks.Time("expires_at", expires, out var expiresAt)
                ?? (expiresAt <= DateTimeOffset.UtcNow ? new FieldError("expires_at", "须晚于当前时间") : null));
        if (role is Role.Operator)
        {
            target = CredentialService.PlatformTenant;
        }
        else if (await Tenant(target).GetProfile() is not { } profile)
        {
            throw new NotFoundException("租户不存在。");
        }
        else if (role is Role.Unit or Role.County && (profile.County(county) is not { } found
            || (role is Role.Unit && !Array.Exists(found.Units, u => u.Id == unit))))
        {
            throw new NotFoundException("名单中没有该县（区）或单位。");
        }

        return await credentials.IssueAsync(new Credential(role!.Value, target,
            role is Role.Unit or Role.County ? county : null, role is Role.Unit ? unit : null, checkedName, ExpiresAt: expiresAt));
    }

    public Task<IReadOnlyList<CredentialSummary>> ListCredentialsAsync(Caller caller, string? tenant, int offset, int limit) =>
        credentials.ListAsync(Target(caller, tenant), offset, limit);

    public async Task<(string Key, CredentialSummary Summary)> RotateAsync(Caller caller, string? tenant, string id) =>
        await credentials.RotateAsync(Target(caller, tenant), id) ?? throw new NotFoundException("没有该凭据，或它已被撤销。");

    public async Task<CredentialSummary> RevokeAsync(Caller caller, string? tenant, string id) =>
        await credentials.RevokeAsync(Target(caller, tenant), id) ?? throw new NotFoundException("没有该凭据。");

    /// <summary>Replaces the bulletin's distribution list: each recipient bound to an active leader key of the tenant.</summary>
    public async Task<TenantProfile> SetDistributionAsync(Caller caller, string? tenant, IReadOnlyList<RecipientEntry> entries)
    {
        var target = Target(caller, tenant);
        var errors = new List<FieldError?> { entries.Count > MaxRecipients ? new FieldError("recipients", $"分发对象不超过 {MaxRecipients} 位") : null };
        var recipients = new List<BulletinRecipient>();
        for (var i = 0; i < Math.Min(entries.Count, MaxRecipients); i++)
        {
            var r = entries[i];
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

            var credential = await credentials.FindAsync(target, r.CredentialId);
            errors.Add(credential is null ? new FieldError($"{at}.credential_id", "本市（州）没有该凭据")
                : credential.Credential.Role != Role.Leader ? new FieldError($"{at}.credential_id", "须为领导凭据")
                : !credential.Credential.IsActive(DateTimeOffset.UtcNow) ? new FieldError($"{at}.credential_id", "该凭据已吊销或过期")
                : null);
            recipients.Add(new BulletinRecipient(r.Id, person, office, title, r.CredentialId.ToLowerInvariant()));
        }

        RequestChecks.Require([.. errors]);
        return await Tenant(target).SetDistribution([.. recipients]);
    }

    /// <summary>Sets (or, with an empty source, resets to the built-in) a bulletin template after checking it; its SHA-256.</summary>
    public async Task<string?> SetTemplateAsync(Caller caller, string? tenant, string format, string source)
    {
        var target = Target(caller, tenant);
        Bulletins.BulletinFormat? parsed = format switch { "html" => Bulletins.BulletinFormat.Html, "markdown" => Bulletins.BulletinFormat.Markdown, _ => null };
        RequestChecks.Require(parsed is null ? new FieldError("format", "须为 html 或 markdown") : null);
        if (source.Length == 0)
        {
            await Tenant(target).SetTemplate(format, null);
            return null;
        }

        var problems = renderer.Check(source, parsed!.Value);
        if (problems.Count > 0)
        {
            throw new ValidationFailedException(problems.Select(p => new FieldError("source", p)).ToArray());
        }

        await Tenant(target).SetTemplate(format, source);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)));
    }

    public Task<string?> TemplateAsync(Caller caller, string? tenant, string format) => Tenant(Target(caller, tenant)).GetTemplate(format);

    private ITenantGrain Tenant(string tenant) => cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
}
