using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Every RPC in the protos × ten principals × five targets, against the live server, over gRPC and, for every RPC
/// with a JSON route, again over HTTP/1.1 JSON. Each cell's expected outcome
/// follows from the RPC's roles and scope; an RPC without a row fails the test. Year 2027 is used so that the writes
/// an allowed principal makes touch nothing the other tests read.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AuthorizationMatrixTests(PlatformFixture platform)
{
    private const int Year = 2027;

    public enum Target { Own, SiblingUnit, OtherCounty, OtherTenantExisting, OtherTenantMissing }

    /// <summary>What a request may name: a county within the caller's tenant, or (admin) a tenant.</summary>
    private enum Scope { None, CountyField, TenantField }

    private sealed record Row(string Method, string[] Roles, Scope Scope, Func<CallInvoker, CallOptions, string, string, Task<IMessage>> Call);

    private sealed record Principal(string Name, string? Role, string? Key);

    private const string Assessor = "Assessor", Member = "Member", Leader = "Leader", TenantAdmin = "TenantAdmin", County = "County", Unit = "Unit", Operator = "Operator";

    private static async Task<IMessage> Run<T>(AsyncUnaryCall<T> call) where T : IMessage => await call.ResponseAsync;

    private static async Task<IMessage> First<T>(AsyncServerStreamingCall<T> call) where T : IMessage
    {
        using (call)
        {
            await call.ResponseStream.MoveNext(CancellationToken.None);
            return call.ResponseStream.Current;
        }
    }

    private static async Task<IMessage> Import(CallInvoker channel, CallOptions options)
    {
        using var call = new SubmissionService.SubmissionServiceClient(channel).ImportValues(options);
        try
        {
            await call.RequestStream.WriteAsync(new ImportRow
            {
                Row = 1,
                Year = Year,
                County = "alpha",
                Unit = "u1",
                SubmissionId = Guid.NewGuid().ToString(),
                DryRun = true,
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = 1 } },
            });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // Refused before the row went out; the status comes with the answers below.
        }

        ImportRowResult last = new();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            last = answer;
        }

        return last;
    }

    /// <summary>An upload's header alone (a 1-byte text file of the 2024 round): allowed callers start an upload and are told 0 bytes are stored.</summary>
    private static async Task<IMessage> UploadHeaderOnly(CallInvoker channel, CallOptions options)
    {
        using var call = new EvidenceService.EvidenceServiceClient(channel).UploadEvidence(options);
        try
        {
            await call.RequestStream.WriteAsync(new UploadEvidenceRequest
            {
                Header = new EvidenceUploadHeader
                {
                    UploadId = Guid.NewGuid().ToString(), Year = 2024, Indicator = "legalaid.cases", FileName = "矩阵.txt", Size = 1,
                    Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("1"u8)),
                },
            });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // Refused before the header went out; the status comes with the answer.
        }

        return await call.ResponseAsync;
    }

    private static Row[] Rows(string schemeYaml) =>
    [
        // SubmissionService: the credential is the target; nothing in the request names one.
        new("assessment.v1.SubmissionService/SubmitIndicators", [Unit, County], Scope.None, (ch, o, _, _) => Run(new SubmissionService.SubmissionServiceClient(ch)
            .SubmitIndicatorsAsync(new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = Year, Values = { new IndicatorValue { Code = "legalaid.cases", Value = 1 } } }, o))),
        new("assessment.v1.SubmissionService/GetMySubmissions", [Unit, County], Scope.None, (ch, o, _, _) => Run(new SubmissionService.SubmissionServiceClient(ch)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = Year }, o))),
        new("assessment.v1.SubmissionService/ExtractReport", [Unit, County], Scope.None, (ch, o, _, _) => Run(new SubmissionService.SubmissionServiceClient(ch)
            .ExtractReportAsync(new ExtractReportRequest { Text = "本年度办理法律援助案件12件。" }, o))),
        new("assessment.v1.SubmissionService/GetForm", [Unit, County], Scope.None, (ch, o, _, _) => Run(new SubmissionService.SubmissionServiceClient(ch)
            .GetFormAsync(new GetFormRequest { Year = Year }, o))),
        // A dry-run row of the caller's tenant: allowed, it stores nothing.
        new("assessment.v1.SubmissionService/ImportValues", [Assessor], Scope.None, (ch, o, _, _) => Import(ch, o)),
        new("assessment.v1.SubmissionService/ListUnitValues", [Assessor], Scope.None, (ch, o, _, _) => First(new SubmissionService.SubmissionServiceClient(ch)
            .ListUnitValues(new ListUnitValuesRequest { Year = 2024 }, o))),
        new("assessment.v1.ReportService/ExtractReportFile", [Unit, County], Scope.None, (ch, o, _, _) => Run(new ReportService.ReportServiceClient(ch)
            .ExtractReportFileAsync(new ExtractReportFileRequest { Content = Google.Protobuf.ByteString.CopyFromUtf8("本年度办理法律援助案件12件。"), FileName = "report.txt" }, o))),
        // AssessmentService.
        new("assessment.v1.AssessmentService/GetCounty", [Assessor, Leader, TenantAdmin, County], Scope.CountyField, (ch, o, c, _) => Run(A(ch).GetCountyAsync(new GetCountyRequest { Year = 2024, County = c }, o))),
        new("assessment.v1.AssessmentService/GetRanking", [Assessor, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => Run(A(ch).GetRankingAsync(new GetRankingRequest { Year = 2024 }, o))),
        new("assessment.v1.AssessmentService/GetRound", [Assessor, Leader, TenantAdmin, County], Scope.None, (ch, o, _, _) => Run(A(ch).GetRoundAsync(new GetRoundRequest { Year = 2024 }, o))),
        new("assessment.v1.AssessmentService/SimulateScheme", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(A(ch).SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = schemeYaml }, o))),
        new("assessment.v1.AssessmentService/RepinCatalog", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(A(ch).RepinCatalogAsync(new RepinCatalogRequest { Year = Year, CatalogVersion = 1, Reason = "矩阵测试" }, o))),
        new("assessment.v1.AssessmentService/RepinScheme", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(A(ch).RepinSchemeAsync(new RepinSchemeRequest { Year = Year, SchemeYaml = schemeYaml, Reason = "矩阵测试" }, o))),
        new("assessment.v1.AssessmentService/OverrideQuota", [Assessor], Scope.CountyField, (ch, o, c, _) => Run(A(ch).OverrideQuotaAsync(new OverrideQuotaRequest { Year = Year, County = c, Reason = "矩阵测试" }, o))),
        new("assessment.v1.AssessmentService/PublishRound", [Assessor], Scope.None, (ch, o, _, _) => Run(A(ch).PublishRoundAsync(new PublishRoundRequest { Year = Year }, o))),
        new("assessment.v1.AssessmentService/DefineRound", [Assessor], Scope.None, (ch, o, _, _) => Run(A(ch).DefineRoundAsync(new DefineRoundRequest { Year = Year, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, o))),
        new("assessment.v1.AssessmentService/OpenRound", [Assessor], Scope.None, (ch, o, _, _) => Run(A(ch).OpenRoundAsync(new RoundTransitionRequest { Year = Year }, o))),
        new("assessment.v1.AssessmentService/CloseRound", [Assessor], Scope.None, (ch, o, _, _) => Run(A(ch).CloseRoundAsync(new RoundTransitionRequest { Year = Year, ExpectedVersion = -1 }, o))),
        new("assessment.v1.AssessmentService/SubmitForReview", [County], Scope.CountyField, (ch, o, c, _) => Run(A(ch).SubmitForReviewAsync(new CountyTransitionRequest { Year = Year, County = c, ExpectedVersion = -1 }, o))),
        new("assessment.v1.AssessmentService/ReturnCounty", [Assessor], Scope.CountyField, (ch, o, c, _) => Run(A(ch).ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = c, Reason = "矩阵测试" }, o))),
        new("assessment.v1.AssessmentService/ApproveCounty", [Assessor], Scope.CountyField, (ch, o, c, _) => Run(A(ch).ApproveCountyAsync(new CountyTransitionRequest { Year = Year, County = c, ExpectedVersion = -1 }, o))),
        new("assessment.v1.AssessmentService/ExtendDeadline", [Assessor], Scope.CountyField, (ch, o, c, _) => Run(A(ch).ExtendDeadlineAsync(new ExtendDeadlineRequest { Year = Year, County = c, Until = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(40)), Reason = "矩阵测试", ExpectedVersion = -1 }, o))),
        new("assessment.v1.AssessmentService/AdjustScore", [Assessor], Scope.CountyField, (ch, o, c, _) => Run(A(ch).AdjustScoreAsync(new AdjustScoreRequest { Year = Year, County = c, Target = "org", Points = -1, Reason = "矩阵测试", ExpectedVersion = -1 }, o))),
        new("assessment.v1.AssessmentService/EnterAssessorValues", [Assessor, Member], Scope.CountyField, (ch, o, c, _) => Run(A(ch).EnterAssessorValuesAsync(new EnterAssessorValuesRequest { Year = Year, County = c, SubmissionId = Guid.NewGuid().ToString(), Reason = "矩阵测试", ExpectedVersion = -1, Values = { new IndicatorValue { Code = "satisfaction.survey_score", Value = 80 } } }, o))),
        new("assessment.v1.AssessmentService/ListAudit", [Assessor, Leader, TenantAdmin, County], Scope.CountyField, (ch, o, c, _) => Run(A(ch).ListAuditAsync(new ListAuditRequest { Year = 2024, County = c }, o))),
        new("assessment.v1.AssessmentService/ListNotifications", [Assessor, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => Run(A(ch).ListNotificationsAsync(new ListNotificationsRequest { Year = 2024 }, o))),
        // BulletinService.
        new("assessment.v1.BulletinService/Render", [Assessor, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, o))),
        new("assessment.v1.BulletinService/Download", [Assessor, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => First(new BulletinService.BulletinServiceClient(ch)
            .Download(new DownloadBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, o))),
        new("assessment.v1.BulletinService/GetStatus", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .GetStatusAsync(new BulletinStatusRequest { Year = 2024 }, o))),
        // Bulletin writes aim at a year without a round: an allowed call is refused for that, and changes nothing.
        new("assessment.v1.BulletinService/Withdraw", [Assessor], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .WithdrawAsync(new WithdrawBulletinRequest { Year = 2030, Reason = "矩阵测试" }, o))),
        new("assessment.v1.BulletinService/Correct", [Assessor], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .CorrectAsync(new CorrectBulletinRequest { Year = 2030, Reason = "矩阵测试" }, o))),
        new("assessment.v1.BulletinService/RemindUnread", [Assessor], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .RemindUnreadAsync(new RemindUnreadRequest { Year = 2030 }, o))),
        new("assessment.v1.BulletinService/ListMine", [Leader], Scope.None, (ch, o, _, _) => Run(new BulletinService.BulletinServiceClient(ch)
            .ListMineAsync(new ListMyBulletinsRequest(), o))),
        // NoticeService: writes aim at a year without a round (refused for that, changing nothing); reads at 2024.
        new("assessment.v1.NoticeService/Issue", [Assessor], Scope.None, (ch, o, _, _) => Run(new NoticeService.NoticeServiceClient(ch)
            .IssueAsync(new IssueNoticeRequest { Year = 2030, RequestId = Guid.NewGuid().ToString() }, o))),
        new("assessment.v1.NoticeService/GetStatus", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new NoticeService.NoticeServiceClient(ch)
            .GetStatusAsync(new BulletinStatusRequest { Year = 2024 }, o))),
        new("assessment.v1.NoticeService/Download", [Assessor, TenantAdmin, County], Scope.None, (ch, o, _, _) => First(new NoticeService.NoticeServiceClient(ch)
            .Download(new DownloadBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, o))),
        new("assessment.v1.NoticeService/Withdraw", [Assessor], Scope.None, (ch, o, _, _) => Run(new NoticeService.NoticeServiceClient(ch)
            .WithdrawAsync(new WithdrawBulletinRequest { Year = 2030, Reason = "矩阵测试", RequestId = Guid.NewGuid().ToString() }, o))),
        new("assessment.v1.NoticeService/Correct", [Assessor], Scope.None, (ch, o, _, _) => Run(new NoticeService.NoticeServiceClient(ch)
            .CorrectAsync(new CorrectBulletinRequest { Year = 2030, Reason = "矩阵测试", RequestId = Guid.NewGuid().ToString() }, o))),
        // AdminService: the request names a tenant (operators) or must name the caller's own. Writes aim at names that
        // exist already, so an allowed call changes no roster.
        new("assessment.v1.AdminService/CreateTenant", [Operator], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).CreateTenantAsync(new CreateTenantRequest { Tenant = t, Name = "矩阵", Issuer = "矩阵", DocumentPrefix = "矩", Recipients = "各县" }, o))),
        new("assessment.v1.AdminService/GetTenant", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).GetTenantAsync(new GetTenantRequest { Tenant = t }, o))),
        new("assessment.v1.AdminService/AddCounty", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).AddCountyAsync(new AddCountyRequest { Tenant = t, County = "alpha", Name = "重复" }, o))),
        new("assessment.v1.AdminService/AddUnit", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).AddUnitAsync(new AddUnitRequest { Tenant = t, County = "alpha", Unit = "u1", Name = "重复" }, o))),
        new("assessment.v1.AdminService/IssueCredential", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).IssueCredentialAsync(new IssueCredentialRequest { Tenant = t, Role = "leader", Name = "矩阵测试" }, o))),
        new("assessment.v1.AdminService/ListCredentials", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ListCredentialsAsync(new ListCredentialsRequest { Tenant = t, PageSize = 5 }, o))),
        new("assessment.v1.AdminService/RotateCredential", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).RotateCredentialAsync(new CredentialRef { Tenant = t, Id = "0000000000000000" }, o))),
        // Settings writes carry an invalid value: allowed callers get INVALID_ARGUMENT, and nothing changes.
        new("assessment.v1.AdminService/SetBulletinSettings", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).SetBulletinSettingsAsync(new SetBulletinSettingsRequest { Tenant = t, Settings = new BulletinSettings { WeakAverage = 2 } }, o))),
        new("assessment.v1.AdminService/SetDistribution", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).SetDistributionAsync(new SetDistributionRequest { Tenant = t, Recipients = { new Recipient { Id = "x", Person = "矩阵", Office = "矩阵", CredentialId = "0000000000000000" } } }, o))),
        new("assessment.v1.AdminService/SetWebhook", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).SetWebhookAsync(new SetWebhookRequest { Tenant = t, Url = "ftp://example.invalid/" }, o))),
        new("assessment.v1.AdminService/UploadTemplate", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).UploadTemplateAsync(new UploadTemplateRequest { Tenant = t, Format = "markdown", Source = "" }, o))),
        // AccountService: any valid key asks about itself.
        new("assessment.v1.AccountService/WhoAmI", [Unit, County, Assessor, Member, Leader, TenantAdmin, Operator], Scope.None, (ch, o, _, _) => Run(new AccountService.AccountServiceClient(ch)
            .WhoAmIAsync(new WhoAmIRequest(), o))),
        new("assessment.v1.AdminService/RevokeCredential", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).RevokeCredentialAsync(new CredentialRef { Tenant = t, Id = "0000000000000000" }, o))),
        // Personal accounts: a create with an invalid login, and a reset or disable of a login that does not exist, change nothing.
        new("assessment.v1.AdminService/CreateAccount", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).CreateAccountAsync(new CreateAccountRequest { Tenant = t, Login = "Not A Login!", Name = "矩阵", Role = "leader" }, o))),
        new("assessment.v1.AdminService/ListAccounts", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ListAccountsAsync(new ListAccountsRequest { Tenant = t }, o))),
        new("assessment.v1.AdminService/ResetAccount", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ResetAccountAsync(new AccountRef { Tenant = t, Login = "matrix-nobody" }, o))),
        new("assessment.v1.AdminService/DisableAccount", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).DisableAccountAsync(new AccountRef { Tenant = t, Login = "matrix-nobody" }, o))),
        // Single sign-on: a provider at a refused address changes nothing.
        new("assessment.v1.AdminService/SetSingleSignOn", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).SetSingleSignOnAsync(new SetSingleSignOnRequest { Tenant = t, Issuer = "ftp://example.invalid/", ClientId = "matrix" }, o))),
        new("assessment.v1.AdminService/GetSingleSignOn", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).GetSingleSignOnAsync(new GetSingleSignOnRequest { Tenant = t }, o))),
        // Event subscriptions: a subscribe to a refused address, an unsubscribe or replay of nothing, change nothing.
        new("assessment.v1.AdminService/Subscribe", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).SubscribeAsync(new SubscribeRequest { Tenant = t, Url = "ftp://example.invalid/" }, o))),
        new("assessment.v1.AdminService/ListSubscriptions", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ListSubscriptionsAsync(new ListSubscriptionsRequest { Tenant = t }, o))),
        new("assessment.v1.AdminService/Unsubscribe", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).UnsubscribeAsync(new SubscriptionRef { Tenant = t, Id = Guid.Empty.ToString() }, o))),
        new("assessment.v1.AdminService/ListDeliveries", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ListDeliveriesAsync(new ListDeliveriesRequest { Tenant = t }, o))),
        new("assessment.v1.AdminService/ReplayDelivery", [Operator, TenantAdmin], Scope.TenantField, (ch, o, _, t) => Run(Admin(ch).ReplayDeliveryAsync(new DeliveryRef { Tenant = t, Id = 0 }, o))),
        // EvidenceService: uploads and removals are the credential's own (a random id is nobody's: NOT_FOUND); the listing
        // names a county, which units and counties may only name as their own.
        new("assessment.v1.EvidenceService/UploadEvidence", [Unit, County], Scope.None, (ch, o, _, _) => UploadHeaderOnly(ch, o)),
        new("assessment.v1.EvidenceService/GetUpload", [Unit, County], Scope.None, (ch, o, _, _) => Run(new EvidenceService.EvidenceServiceClient(ch)
            .GetUploadAsync(new GetUploadRequest { UploadId = Guid.NewGuid().ToString() }, o))),
        new("assessment.v1.EvidenceService/ListEvidence", [Unit, County, Assessor, TenantAdmin], Scope.CountyField, (ch, o, c, _) => Run(new EvidenceService.EvidenceServiceClient(ch)
            .ListEvidenceAsync(new ListEvidenceRequest { Year = 2024, County = c }, o))),
        new("assessment.v1.EvidenceService/DownloadEvidence", [Unit, County, Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => First(new EvidenceService.EvidenceServiceClient(ch)
            .DownloadEvidence(new DownloadEvidenceRequest { Id = Guid.NewGuid().ToString() }, o))),
        new("assessment.v1.EvidenceService/PackageEvidence", [County, Assessor, TenantAdmin], Scope.CountyField, (ch, o, c, _) => First(new EvidenceService.EvidenceServiceClient(ch)
            .PackageEvidence(new PackageEvidenceRequest { Year = 2024, County = c }, o))),
        new("assessment.v1.EvidenceService/RemoveEvidence", [Unit, County], Scope.None, (ch, o, _, _) => Run(new EvidenceService.EvidenceServiceClient(ch)
            .RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = Guid.NewGuid().ToString(), Reason = "矩阵测试" }, o))),
        // CatalogService: always the caller's own tenant's catalog (the other tenant's holds names no answer may carry).
        new("assessment.v1.CatalogService/GetCatalog", [Unit, County, Assessor, Member, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new CatalogService.CatalogServiceClient(ch)
            .GetCatalogAsync(new GetCatalogRequest(), o))),
        new("assessment.v1.CatalogService/ListCatalogVersions", [Unit, County, Assessor, Member, Leader, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new CatalogService.CatalogServiceClient(ch)
            .ListCatalogVersionsAsync(new ListCatalogVersionsRequest(), o))),
        // Saving the latest text again changes nothing: the matrix leaves the test tenant's catalog as it was.
        new("assessment.v1.CatalogService/SaveCatalog", [Assessor, TenantAdmin], Scope.None, (ch, o, _, _) => Run(new CatalogService.CatalogServiceClient(ch)
            .SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = DefaultCatalogText, RequestId = Guid.NewGuid().ToString() }, o))),
    ];

    private static readonly string DefaultCatalogText = File.ReadAllText(RepositoryFile("src", "Assessment.Domain", "Data", "catalog.yaml"));

    private static AssessmentService.AssessmentServiceClient A(CallInvoker channel) => new(channel);

    private static AdminService.AdminServiceClient Admin(CallInvoker channel) => new(channel);

    [Fact]
    public async Task Every_rpc_answers_every_principal_and_target_as_its_roles_and_scope_say()
    {
        var scheme = File.ReadAllText(RepositoryFile("src", "Assessment.Domain", "Data", "default-scheme.yaml"));
        var rows = Rows(scheme);

        // Every RPC of every service in the protos has exactly one row.
        var methods = new[] { SubmissionService.Descriptor, AssessmentService.Descriptor, BulletinService.Descriptor, NoticeService.Descriptor, AdminService.Descriptor, AccountService.Descriptor, ReportService.Descriptor, CatalogService.Descriptor, EvidenceService.Descriptor }
            .SelectMany(s => s.Methods.Select(m => $"{s.FullName}/{m.Name}")).Order(StringComparer.Ordinal);
        Assert.Equal(methods, rows.Select(r => r.Method).Order(StringComparer.Ordinal));

        // The other tenant, with names that must never appear in an answer to this tenant.
        var channel = platform.Server.Channel;
        var op = As(platform.Server.OperatorKey());
        var other = $"other-{Guid.NewGuid():N}"[..14];
        var missing = $"none-{Guid.NewGuid():N}"[..13];
        await Admin(channel).CreateTenantAsync(new CreateTenantRequest { Tenant = other, Name = "他市", Issuer = "他市法治办", DocumentPrefix = "他法办", Recipients = "他市各县" }, op);
        await Admin(channel).AddCountyAsync(new AddCountyRequest { Tenant = other, County = "oc1", Name = "他市甲县" }, op);
        // The other tenant's own catalog: an indicator whose name and code no answer to this tenant may carry (each
        // looked for on its own: a code may travel without its name).
        var otherCode = $"org.{other.Replace('-', '_')}_only";
        var otherAdmin = await Admin(channel).IssueCredentialAsync(new IssueCredentialRequest { Tenant = other, Role = "tenant_admin", Name = "他市管理员" }, op);
        await new CatalogService.CatalogServiceClient(channel).SaveCatalogAsync(new SaveCatalogRequest
        {
            CatalogYaml = DefaultCatalogText.Replace("indicators:\n", $"indicators:\n  - {{ code: {otherCode}, name: 他市特有指标, kind: count, dimension: org, source: unit }}\n", StringComparison.Ordinal),
            RequestId = Guid.NewGuid().ToString(),
        }, As(otherAdmin.Key));
        var issue = (string role, string? county, string? unit, Timestamp? expires) => Admin(channel).IssueCredentialAsync(new IssueCredentialRequest
        {
            Tenant = "itest",
            Role = role,
            County = county ?? "",
            Unit = unit ?? "",
            Name = "矩阵" + role,
            ExpiresAt = expires,
        }, op).ResponseAsync;
        var revoked = await issue("unit", "alpha", "u1", null);
        await Admin(channel).RevokeCredentialAsync(new CredentialRef { Tenant = "itest", Id = revoked.Credential.Id }, op);
        var expired = await issue("unit", "alpha", "u1", Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(1)));
        var tenantAdmin = await issue("tenant_admin", null, null, null);
        var member = await issue("member", null, null, null);
        await Task.Delay(1200);

        Principal[] principals =
        [
            new("anonymous", null, null),
            new("garbage", null, "ak_" + new string('q', 52)),
            new("revoked", null, revoked.Key),
            new("expired", null, expired.Key),
            new("unit", Unit, platform.Keys["alpha/u1"]),
            new("county", County, platform.Keys["alpha"]),
            new("assessor", Assessor, platform.Keys["assessor"]),
            new("leader", Leader, platform.Keys["leader"]),
            new("member", Member, member.Key),
            new("tenant-admin", TenantAdmin, tenantAdmin.Key),
            new("operator", Operator, platform.Server.OperatorKey()),
        ];

        // The same cells over plain HTTP/1.1 JSON, for every RPC with a JSON route: the routes go through the same
        // authorization, so every answer (refusals byte for byte across tenants) must be the same.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        var json = new JsonCallInvoker(http);
        var jsonRows = rows.Where(r => JsonCallInvoker.RuleOf(r.Method) is not null).ToArray();
        Assert.True(jsonRows.Length >= 17, $"only {jsonRows.Length} RPCs have a JSON route");

        var failures = new List<string>();
        var cells = 0;
        foreach (var (transport, invoker, row) in rows.Select(r => ("gRPC", (CallInvoker)channel, r)).Concat(jsonRows.Select(r => ("JSON", (CallInvoker)json, r))))
        {
            foreach (var p in principals)
            {
                var answers = new Dictionary<Target, (StatusCode Code, byte[] Bytes)>();
                foreach (var target in System.Enum.GetValues<Target>())
                {
                    var county = target switch
                    {
                        Target.OtherCounty => "beta",
                        Target.OtherTenantExisting => "oc1",
                        Target.OtherTenantMissing => "zz-missing",
                        _ => "alpha",
                    };
                    var tenant = target switch
                    {
                        Target.OtherTenantExisting => other,
                        Target.OtherTenantMissing => missing,
                        _ => "itest",
                    };
                    var options = p.Key is null ? new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)) : As(p.Key);
                    (StatusCode Code, byte[] Bytes) answer;
                    try
                    {
                        answer = (StatusCode.OK, (await row.Call(invoker, options, county, tenant)).ToByteArray());
                    }
                    catch (RpcException ex)
                    {
                        answer = (ex.StatusCode, [.. System.Text.Encoding.UTF8.GetBytes(ex.Status.Detail), .. ex.Trailers.GetValueBytes("grpc-status-details-bin") ?? []]);
                    }

                    cells++;
                    answers[target] = answer;
                    var expected = Expect(row, p, target);
                    var ok = expected switch
                    {
                        StatusCode.OK => answer.Code is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.Internal or StatusCode.Unknown),
                        _ => answer.Code == expected,
                    };
                    if (!ok)
                    {
                        failures.Add($"{transport} {row.Method} as {p.Name} on {target}: expected {(expected == StatusCode.OK ? "allowed" : expected)}, got {answer.Code} {System.Text.Encoding.UTF8.GetString(answer.Bytes)}");
                    }

                    // No answer to this tenant's principals carries the other tenant's data.
                    if (p.Role != Operator && System.Text.Encoding.UTF8.GetString(answer.Bytes) is var text && (text.Contains("他市", StringComparison.Ordinal) || text.Contains(other, StringComparison.Ordinal)
                        || text.Contains(otherCode, StringComparison.Ordinal)))
                    {
                        failures.Add($"{transport} {row.Method} as {p.Name} on {target}: answer contains the other tenant's data");
                    }
                }

                // Another tenant's object that exists and one that does not: the same answer, byte for byte. (Where nothing
                // in the request names a target, the two calls are the same request and only their status is compared:
                // answers carry times and versions.)
                var (existing, absent) = (answers[Target.OtherTenantExisting], answers[Target.OtherTenantMissing]);
                if (p.Role != Operator && (row.Scope == Scope.None ? existing.Code != absent.Code : !existing.Bytes.AsSpan().SequenceEqual(absent.Bytes)))
                {
                    failures.Add($"{transport} {row.Method} as {p.Name}: other tenant existing ({answers[Target.OtherTenantExisting].Code}) and missing ({answers[Target.OtherTenantMissing].Code}) answer differently");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:\n{string.Join('\n', failures.Take(40))}");
        Assert.Equal((rows.Length + jsonRows.Length) * principals.Length * 5, cells);
    }

    [Fact]
    public async Task A_leader_reads_no_result_of_an_unpublished_round_through_any_rpc()
    {
        // The leader rows of the matrix before publication: every read of results, the audit chain included, is
        // FAILED_PRECONDITION RESULTS_NOT_PUBLISHED (the shared tenant's 2024 round is open, leaders see no drafts).
        var channel = platform.Server.Channel;
        var leader = As(platform.Keys["leader"]);
        Func<Task>[] reads =
        [
            () => A(channel).GetCountyAsync(new GetCountyRequest { Year = 2024, County = "alpha" }, leader).ResponseAsync,
            () => A(channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, leader).ResponseAsync,
            () => A(channel).ListAuditAsync(new ListAuditRequest { Year = 2024, County = "alpha" }, leader).ResponseAsync,
            () => A(channel).ListAuditAsync(new ListAuditRequest { Year = 2024, County = "beta", PageSize = 1 }, leader).ResponseAsync,
        ];
        foreach (var read in reads)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(read);
            Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
            Assert.Equal("RESULTS_NOT_PUBLISHED", ex.GetRpcStatus()!.GetDetail<Google.Rpc.PreconditionFailure>()!.Violations[0].Type);
        }

        // The assessor reads the same chain.
        Assert.True((await A(channel).ListAuditAsync(new ListAuditRequest { Year = 2024, County = "alpha" }, As(platform.Keys["assessor"]))).Head.Count >= 0);
    }

    private static StatusCode Expect(Row row, Principal p, Target target)
    {
        if (p.Role is null)
        {
            return StatusCode.Unauthenticated;
        }

        if (!row.Roles.Contains(p.Role))
        {
            return StatusCode.PermissionDenied;
        }

        return row.Scope switch
        {
            Scope.CountyField when p.Role is County or Unit && target is Target.OtherCounty or Target.OtherTenantExisting or Target.OtherTenantMissing => StatusCode.PermissionDenied,
            Scope.TenantField when p.Role != Operator && target is Target.OtherTenantExisting or Target.OtherTenantMissing => StatusCode.PermissionDenied,
            _ => StatusCode.OK,
        };
    }
}
