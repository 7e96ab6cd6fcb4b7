using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The tenant admin's page (租户管理): the roster of counties and units, the keys (issue, rotate, revoke — a new key
/// is shown once, on the answer to the request that made it, never stored or carried in a cookie), the bulletin's
/// distribution list and the tenant's bulletin templates. Every action goes through <see cref="TenantDesk"/>.
/// </summary>
[RequestSizeLimit(RequestChecks.MaxSchemeBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = RequestChecks.MaxSchemeBytes + 32 * 1024)]
public sealed class AdminModel(TenantDesk tenants) : WorkbenchPage
{
    /// <summary>Keys listed on the page (the CLI pages through more).</summary>
    public const int KeysShown = 500;

    public TenantProfile Profile { get; private set; } = null!;

    public IReadOnlyList<CredentialSummary> Keys { get; private set; } = [];

    public Dictionary<string, string?> Templates { get; } = new(StringComparer.Ordinal);

    /// <summary>A key just issued or rotated: shown on this answer only (and on the answer to a repeated click).</summary>
    public Contracts.V1.IssuedCredential? Issued { get; private set; }

    /// <summary>A fresh request id for each form on this rendering of the page (a double click acts once).</summary>
    public Guid RequestId { get; } = Guid.NewGuid();

    public string? Refusal { get; private set; }

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostCountyAsync(string? county, string? name, string? group, Guid requestId) =>
        ActAsync("已添加县（区）。", () => OnceAsync("AddCounty", requestId,
            new Contracts.V1.AddCountyRequest { County = county ?? "", Name = name ?? "", Group = group ?? "", RequestId = requestId.ToString("D") },
            Services.InDoubt<Contracts.V1.TenantInfo>.ReadTarget(async () => await tenants.WithCountyAsync(Caller, null, county ?? "", name ?? "") is { } profile ? AdminProtoMapping.ToProto(profile) : null),
            async () => AdminProtoMapping.ToProto(await tenants.AddCountyAsync(Caller, null, county ?? "", name ?? "", group))));

    public Task<IActionResult> OnPostUnitAsync(string? county, string? unit, string? name, string? kind, Guid requestId) =>
        ActAsync("已添加单位。", () => OnceAsync("AddUnit", requestId,
            new Contracts.V1.AddUnitRequest { County = county ?? "", Unit = unit ?? "", Name = name ?? "", Kind = kind ?? "", RequestId = requestId.ToString("D") },
            Services.InDoubt<Contracts.V1.TenantInfo>.ReadTarget(async () => await tenants.WithUnitAsync(Caller, null, county ?? "", unit ?? "", name ?? "") is { } profile ? AdminProtoMapping.ToProto(profile) : null),
            async () => AdminProtoMapping.ToProto(await tenants.AddUnitAsync(Caller, null, county ?? "", unit ?? "", name ?? "", kind))));

    public Task<IActionResult> OnPostIssueAsync(string? role, string? county, string? unit, string? name, Guid requestId) =>
        ShowKeyAsync(() => OnceAsync("IssueCredential", requestId,
            new Contracts.V1.IssueCredentialRequest { Role = role ?? "", County = county ?? "", Unit = unit ?? "", Name = name ?? "", RequestId = requestId.ToString("D") },
            Services.InDoubt<Contracts.V1.IssuedCredential>.Unresolvable,
            async () => ToIssued(await tenants.IssueAsync(Caller, null, RoleWire.Parse(role) is { } parsed and not Role.Operator ? parsed : null,
                county, unit, name ?? "", null))));

    public Task<IActionResult> OnPostRotateAsync(string? id, Guid requestId) =>
        ShowKeyAsync(() => OnceAsync("RotateCredential", requestId, new Contracts.V1.CredentialRef { Id = id ?? "", RequestId = requestId.ToString("D") },
            Services.InDoubt<Contracts.V1.IssuedCredential>.Unresolvable,
            async () => ToIssued(await tenants.RotateAsync(Caller, null, id ?? ""))));

    public Task<IActionResult> OnPostRevokeAsync(string? id, Guid requestId) =>
        ActAsync("已吊销该密钥，使用它的会话在下一次访问时结束。", () => OnceAsync("RevokeCredential", requestId,
            new Contracts.V1.CredentialRef { Id = id ?? "", RequestId = requestId.ToString("D") },
            Services.InDoubt<Contracts.V1.CredentialSummary>.RepeatIsRead,
            async () => AdminProtoMapping.ToProto(await tenants.RevokeAsync(Caller, null, id ?? ""))));

    public Task<IActionResult> OnPostRecipientAsync(string? id, string? person, string? office, string? title, string? credential) =>
        ActAsync("已加入分发名单。", async () =>
        {
            var profile = await tenants.ProfileAsync(Caller, null);
            var list = Existing(profile).Append(new RecipientEntry(id ?? "", person ?? "", office ?? "", title ?? "", credential ?? "")).ToArray();
            return await tenants.SetDistributionAsync(Caller, null, list);
        });

    public Task<IActionResult> OnPostRemoveRecipientAsync(string? id) =>
        ActAsync("已移出分发名单。", async () =>
        {
            var profile = await tenants.ProfileAsync(Caller, null);
            return await tenants.SetDistributionAsync(Caller, null, Existing(profile).Where(r => r.Id != id).ToArray());
        });

    public Task<IActionResult> OnPostTemplateAsync(string? format, IFormFile? source, bool reset) =>
        ActAsync(reset ? "已恢复为内置模板。" : "模板已检查并启用。", async () =>
        {
            var text = reset ? "" : await Uploads.ReadTextAsync(source, "source", "模板文件（Scriban）");
            return await tenants.SetTemplateAsync(Caller, null, format ?? "", text);
        });

    public static string RoleName(Role role) => WorkbenchText.Role(role);

    public static string RoleName(string role) => Domain.Workflow.RoleNames.Of(role);

    private static Contracts.V1.IssuedCredential ToIssued((string Key, CredentialSummary Summary) issued) =>
        new() { Key = issued.Key, Credential = AdminProtoMapping.ToProto(issued.Summary) };

    private static IEnumerable<RecipientEntry> Existing(TenantProfile profile) =>
        (profile.Distribution ?? []).Select(r => new RecipientEntry(r.Id, r.Person, r.Office, r.Title, r.CredentialId));

    private async Task<IActionResult> ActAsync<T>(string done, Func<Task<T>> action)
    {
        try
        {
            await action();
            Notice = done;
            return Redirect("/admin");
        }
        catch (AssessmentException ex) when (ex is not PermissionDeniedException)
        {
            Refusal = "未能办理：" + Describe(ex);
            await LoadAsync();
            return Page();
        }
    }

    private async Task<IActionResult> ShowKeyAsync(Func<Task<Contracts.V1.IssuedCredential>> action)
    {
        try
        {
            Issued = await action();
        }
        catch (AssessmentException ex) when (ex is not PermissionDeniedException)
        {
            Refusal = "未能办理：" + Describe(ex);
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Profile = await tenants.ProfileAsync(Caller, null); // tenant admins only: anyone else is denied here
        Keys = await tenants.ListCredentialsAsync(Caller, null, 0, KeysShown);
        foreach (var format in new[] { "html", "markdown" })
        {
            Templates[format] = await tenants.TemplateAsync(Caller, null, format);
        }
    }
}
