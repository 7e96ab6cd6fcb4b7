using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>Tenants, rosters and credentials through AdminService, starting from the bootstrap operator key.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AdminTests(PlatformFixture platform)
{
    private AdminService.AdminServiceClient Admin => new(platform.Server.Channel);

    private string OperatorKey => platform.Server.OperatorKey();

    private async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private Task<StatusCode> ReadAsUnit(string key) =>
        StatusOf(() => new SubmissionService.SubmissionServiceClient(platform.Server.Channel)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(key)).ResponseAsync);

    /// <summary>Generated ids of the class Orleans reads as numbers: refused for a new tenant, with the field named.</summary>
    [Fact]
    public async Task A_new_tenant_id_that_reads_as_a_number_is_refused()
    {
        var random = new Random(540600);
        string Hex(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdef"[random.Next(16)]));
        var refused = new[] { "540600", "1", "abc" }.Concat(Enumerable.Range(1, 16).Select(Hex)).Append(Hex(32)).Append("000" + Hex(16)).ToList();
        foreach (var id in refused)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => Admin.CreateTenantAsync(
                new CreateTenantRequest { Tenant = id, Name = "数字市", Issuer = "数字市法治办", DocumentPrefix = "数法办", Recipients = "各县" }, As(OperatorKey)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Contains("xz-540600", ex.Status.Detail + string.Join(" ", ex.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Description) ?? []), StringComparison.Ordinal);
        }

        var accepted = $"xz-{Hex(6)}";
        await Admin.CreateTenantAsync(new CreateTenantRequest { Tenant = accepted, Name = "字母市", Issuer = "字母市法治办", DocumentPrefix = "字法办", Recipients = "各县" }, As(OperatorKey));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_bootstrap_operator_key_and_the_session_keys_are_private_and_the_key_is_never_printed()
    {
        var file = Path.Combine(platform.Server.Config.DataDir, "operator.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.StartsWith("ak_", OperatorKey, StringComparison.Ordinal);
        Assert.DoesNotContain(OperatorKey, platform.Server.Output, StringComparison.Ordinal);
        Assert.Contains(file, platform.Server.Output, StringComparison.Ordinal);
        // The keys protecting web session cookies are the cluster's, in the database: no pod-local copy is left on disk.
        Assert.False(Directory.Exists(Path.Combine(platform.Server.Config.DataDir, "web-keys")));
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") })
        {
            await http.GetStringAsync("/login"); // the sign-in form's antiforgery token needs a key
        }

        await using var db = Npgsql.NpgsqlDataSource.Create(platform.Server.Config.ConnectionString);
        await using var count = db.CreateCommand("SELECT count(*) FROM web_keys");
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Tenants_rosters_and_credentials_are_managed_and_revocation_and_expiry_apply_on_the_next_call()
    {
        var op = As(OperatorKey);
        var tenant = $"t{Guid.NewGuid():N}"[..12];
        var created = await Admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "第二市", Issuer = "第二市法治办", DocumentPrefix = "二法办", Recipients = "各县（区）" }, op);
        Assert.Equal("第二市", created.Name);
        Assert.Equal(StatusCode.AlreadyExists, await StatusOf(() => Admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "x", Issuer = "x", DocumentPrefix = "x", Recipients = "x" }, op).ResponseAsync));
        var bad = await Assert.ThrowsAsync<RpcException>(() => Admin.CreateTenantAsync(new CreateTenantRequest { Tenant = "Bad/Slug", Name = "<b>市", Issuer = "x", DocumentPrefix = "x", Recipients = "x" }, op).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(["tenant", "name"], bad.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field));

        // The operator makes a tenant admin; the tenant admin builds the roster and issues a unit key.
        var admin = (await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "tenant_admin", Name = "第二市管理员" }, op)).Key;
        await Admin.AddCountyAsync(new AddCountyRequest { County = "c1", Name = "e\u0301县" }, As(admin)); // NFC: é
        var roster = await Admin.AddUnitAsync(new AddUnitRequest { County = "c1", Unit = "u1", Name = "一号单位" }, As(admin));
        Assert.Equal("\u00e9县", roster.Counties.Single().Name);
        // Sent eight times at once with one request_id (a double click, an impatient client): one key, the same answer to
        // every call — the repeats wait for the first answer instead of being refused while it is in progress.
        var issue = new IssueCredentialRequest { Role = "unit", County = "c1", Unit = "u1", Name = "一号单位填报员", RequestId = Guid.NewGuid().ToString() };
        var issued = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Admin.IssueCredentialAsync(issue, As(admin)).ResponseAsync));
        var unit = issued[0];
        Assert.All(issued, i => Assert.Equal(unit.Key, i.Key));
        Assert.StartsWith("ak_", unit.Key, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => Admin.IssueCredentialAsync(new IssueCredentialRequest { Role = "unit", County = "c1", Unit = "nope", Name = "x" }, As(admin)).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => Admin.IssueCredentialAsync(new IssueCredentialRequest { Role = "operator", Name = "x" }, As(admin)).ResponseAsync));

        // Listing never carries a key.
        var list = await Admin.ListCredentialsAsync(new ListCredentialsRequest(), As(admin));
        Assert.Equal(["tenant_admin", "unit"], list.Credentials.Select(c => c.Role).Order());
        Assert.DoesNotContain("ak_", list.ToByteString().ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal(unit.Credential.Id, list.Credentials.Single(c => c.Role == "unit").Id);

        // Revocation applies to the very next call.
        Assert.Equal(StatusCode.OK, await ReadAsUnit(unit.Key));
        Assert.True((await Admin.RevokeCredentialAsync(new CredentialRef { Id = unit.Credential.Id }, As(admin))).Revoked);
        Assert.Equal(StatusCode.Unauthenticated, await ReadAsUnit(unit.Key));

        // Rotation: the new key works, the old one no longer does.
        var rotated = await Admin.RotateCredentialAsync(new CredentialRef { Id = (await Admin.ListCredentialsAsync(new ListCredentialsRequest(), As(admin))).Credentials.Single(c => c.Role == "tenant_admin").Id }, As(admin));
        Assert.Equal(StatusCode.Unauthenticated, await StatusOf(() => Admin.GetTenantAsync(new GetTenantRequest(), As(admin)).ResponseAsync));
        Assert.Equal(tenant, (await Admin.GetTenantAsync(new GetTenantRequest(), As(rotated.Key))).Tenant);

        // Expiry.
        var brief = await Admin.IssueCredentialAsync(new IssueCredentialRequest
        {
            Role = "unit",
            County = "c1",
            Unit = "u1",
            Name = "临时",
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(2)),
        }, As(rotated.Key));
        Assert.Equal(StatusCode.OK, await ReadAsUnit(brief.Key));
        await Task.Delay(2500);
        Assert.Equal(StatusCode.Unauthenticated, await ReadAsUnit(brief.Key));

        // A tenant admin cannot reach another tenant, existing or not, and cannot tell which.
        var other = await Assert.ThrowsAsync<RpcException>(() => Admin.ListCredentialsAsync(new ListCredentialsRequest { Tenant = "itest" }, As(rotated.Key)).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Admin.ListCredentialsAsync(new ListCredentialsRequest { Tenant = "no-such-tenant" }, As(rotated.Key)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        Assert.Equal((other.StatusCode, other.Status.Detail), (missing.StatusCode, missing.Status.Detail));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => Admin.GetTenantAsync(new GetTenantRequest(), As(platform.Keys["assessor"])).ResponseAsync));
    }
}
