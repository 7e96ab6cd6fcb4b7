using System.Net;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Workbooks;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// A prefecture runs its own catalog: a second tenant adds three indicators (a rate from parts, a flag asked of
/// townships only, an item the 考核组 scores) and retires five. Its units' web form and Excel form show exactly its
/// set, scoring and the bulletin use it, a later version leaves the pinned year alone, and the first tenant sees none
/// of it (the authorization matrix checks every RPC for the other tenant's names).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TenantCatalogTests(PlatformFixture platform)
{
    private const int Year = 2025;

    internal static readonly string[] Retired =
        ["service.hotline_consultations", "service.hotline_complaints", "decision.counsel_consultations", "service.certificates_cancelled", "legalaid.cases"];

    private const string Added = """
          - code: study.hearing_share
            name: "旁听庭审人次占参学人次比例"
            kind: rate
            dimension: study
            source: computed
            numerator: study.court_hearing_attendees
            denominator: study.participants
          - code: org.rule_pledge
            name: "乡镇签订法治建设承诺书"
            kind: flag
            dimension: org
            source: unit
            reporters: [township]
            guidance: "以乡镇党委、政府联合签订的承诺书为准"
          - code: pufa.site_visit_score
            name: "实地核查评分"
            kind: score
            dimension: pufa
            source: assessor
            max: 10
        """;

    internal const string Scheme = """
        code: yishi
        version: 1
        name: 乙市法治政府建设考核细则
        dimensions:
          - code: org
            name: 组织领导与学法
            weight: 40
            lines:
              - { indicator: org.rule_pledge, points: 20, rule: yes_no }
              - { indicator: study.hearing_share, points: 20, rule: linear, lo: 0, hi: 100 }
          - code: site
            name: 实地核查
            weight: 60
            lines:
              - { indicator: pufa.site_visit_score, points: 60, rule: linear, lo: 0, hi: 10 }
        grades:
          bands:
            - { label: 优秀, min: 80 }
            - { label: 合格, min: 60 }
            - { label: 不合格, min: 0 }
        """;

    /// <summary>The default catalog with five indicators retired and three of the tenant's own added.</summary>
    public static string OwnCatalog()
    {
        var text = File.ReadAllText(RepositoryFile("src", "Assessment.Domain", "Data", "catalog.yaml"));
        foreach (var code in Retired)
        {
            text = text.Replace($"  - code: {code}\n", $"  - code: {code}\n    retired: true\n", StringComparison.Ordinal);
        }

        return text.TrimEnd() + "\n" + Added;
    }

    [Fact]
    public async Task A_second_tenant_runs_its_own_catalog_end_to_end_and_the_first_sees_none_of_it()
    {
        var channel = platform.Server.Channel;
        var admin = new AdminService.AdminServiceClient(channel);
        var op = As(platform.Server.OperatorKey());
        var tenant = $"y-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "乙市", Issuer = "乙市法治办", DocumentPrefix = "乙法办", Recipients = "各县（区）" }, op);
        var keys = new Dictionary<string, string>();
        foreach (var (county, name) in new[] { ("c1", "甲县"), ("c2", "乙县") })
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = county, Name = name }, op);
            await admin.AddUnitAsync(new AddUnitRequest { Tenant = tenant, County = county, Unit = "town", Name = name + "城关镇", Kind = "township" }, op);
            await admin.AddUnitAsync(new AddUnitRequest { Tenant = tenant, County = county, Unit = "sfj", Name = name + "司法局" }, op);
            foreach (var unit in new[] { "town", "sfj" })
            {
                keys[$"{county}/{unit}"] = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "unit", County = county, Unit = unit, Name = unit }, op)).Key;
            }
        }

        var assessor = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "乙市考核办" }, op)).Key;
        var tenantAdmin = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "tenant_admin", Name = "乙市管理员" }, op)).Key;
        var catalogs = new CatalogService.CatalogServiceClient(channel);

        // The tenant starts from the national default (version 1) and saves its own as version 2.
        Assert.Equal(1, (await catalogs.GetCatalogAsync(new GetCatalogRequest(), As(assessor))).Version);
        var saved = await catalogs.SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = OwnCatalog(), Note = "新增三项，停用五项", ExpectedVersion = 1 }, As(tenantAdmin));
        Assert.Equal(2, saved.Version);
        Assert.Equal(5, saved.Retired);
        // Removing a released indicator instead of retiring it is refused whole, with the field, and stores nothing.
        var dropped = OwnCatalog().Replace("  - code: org.leading_group\n", "  - code: org.leading_group_gone\n", StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<RpcException>(() => catalogs.SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = dropped }, As(tenantAdmin)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("org.leading_group", refused.Status.Detail + string.Join("", refused.Trailers.Select(t => t.IsBinary ? System.Text.Encoding.UTF8.GetString(t.ValueBytes) : t.Value)), StringComparison.Ordinal);
        Assert.Equal(2, (await catalogs.ListCatalogVersionsAsync(new ListCatalogVersionsRequest(), As(assessor))).Versions[0].Version);

        var rounds = new AssessmentService.AssessmentServiceClient(channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = Year, SchemeYaml = Scheme, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(assessor));
        var opened = await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = Year }, As(assessor));
        Assert.Equal(2, opened.CatalogVersion);

        // Each unit's form is exactly its set: the township is asked for the pledge, the department is not; nobody for a retired one.
        var submissions = new SubmissionService.SubmissionServiceClient(channel);
        var townForm = await submissions.GetFormAsync(new GetFormRequest { Year = Year }, As(keys["c1/town"]));
        var deptForm = await submissions.GetFormAsync(new GetFormRequest { Year = Year }, As(keys["c1/sfj"]));
        Assert.Contains(townForm.Rows, r => r.Code == "org.rule_pledge" && r.Guidance.Contains("承诺书", StringComparison.Ordinal));
        // Each row says how the year's 细则 scores it: the pledge directly, the participants through the rate made from them.
        Assert.Equal("符合要求得 20 分，否则不得分", townForm.Rows.Single(r => r.Code == "org.rule_pledge").Standard);
        Assert.StartsWith("用于计算“旁听庭审人次占参学人次比例”：达到 100% 得满分（20 分）", townForm.Rows.Single(r => r.Code == "study.participants").Standard, StringComparison.Ordinal);
        Assert.Equal("", townForm.Rows.Single(r => r.Code == "org.shufa_heads").Standard); // reported, not scored this year
        Assert.DoesNotContain(deptForm.Rows, r => r.Code == "org.rule_pledge");
        foreach (var form in new[] { townForm, deptForm })
        {
            Assert.DoesNotContain(form.Rows, r => Retired.Contains(r.Code) || r.Code is "study.hearing_share" or "pufa.site_visit_score");
            Assert.Contains(form.Rows, r => r.Code == "study.participants");
        }

        // The Excel form made by the CLI carries the same rows.
        var dir = Directory.CreateTempSubdirectory("tenant-catalog-").FullName;
        var xlsx = Path.Combine(dir, "填报表.xlsx");
        var made = await AssessCli.RunAsync(platform.Server, keys["c1/town"], "template", "--year", $"{Year}", "-o", xlsx);
        Assert.True(made.Exit == 0, made.Err);
        using (var reader = WorkbookReader.Open(await File.ReadAllBytesAsync(xlsx), WorkbookLimits.Form))
        {
            var codes = reader.Read(FormWorkbook.SheetName)!.Rows.Where(r => r.Number > FormWorkbook.HeaderRow).Select(r => r[3]?.Text).ToList();
            Assert.Equal(townForm.Rows.Select(r => r.Code), codes);
        }

        // The web form too.
        using (var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        using (var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") })
        {
            Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, keys["c1/town"])).StatusCode);
            var townPage = await http.GetStringAsync($"/{Year}/form");
            Assert.Contains("乡镇签订法治建设承诺书", townPage, StringComparison.Ordinal);
            Assert.Contains("填报口径：以乡镇党委、政府联合签订的承诺书为准", townPage, StringComparison.Ordinal);
            Assert.Contains("评分标准：符合要求得 20 分，否则不得分", townPage, StringComparison.Ordinal);
        }

        using (var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        using (var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") })
        {
            Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, keys["c1/sfj"])).StatusCode);
            var page = await http.GetStringAsync($"/{Year}/form");
            Assert.Contains("参学人次", page, StringComparison.Ordinal);
            Assert.DoesNotContain("乡镇签订法治建设承诺书", page, StringComparison.Ordinal);
            Assert.DoesNotContain("12345热线咨询", page, StringComparison.Ordinal);
            Assert.DoesNotContain("service.hotline_consultations", page, StringComparison.Ordinal);
        }

        // A department sending the township's pledge, and anyone a retired figure, is refused by name.
        var wrongKind = await Submit(submissions, keys["c1/sfj"], ("org.rule_pledge", 1));
        Assert.Contains(wrongKind.Outcomes, o => o.Code == "org.rule_pledge" && o.Reason.Contains("乡镇（街道）", StringComparison.Ordinal));
        var retired = await Submit(submissions, keys["c1/town"], ("service.hotline_consultations", 3));
        Assert.Contains(retired.Outcomes, o => o.Reason.Contains("已停用", StringComparison.Ordinal));

        // Extraction proposes only the tenant's own indicators still asked for: the same sentence gives the first tenant
        // 法律援助案件数 and this tenant, which retired it, nothing for it.
        const string report = "本年度共办理法律援助案件12件。";
        var mine = await submissions.ExtractReportAsync(new ExtractReportRequest { Text = report, Year = Year }, As(keys["c1/sfj"]));
        var theirs = await submissions.ExtractReportAsync(new ExtractReportRequest { Text = report }, As(platform.Keys["alpha/u1"]));
        Assert.Contains(theirs.Values, v => v.Code == "legalaid.cases");
        Assert.DoesNotContain(mine.Values, v => v.Code == "legalaid.cases");

        // Figures: 甲县 pledges and has 30 of 40 at hearings; 乙县 does not pledge and has 10 of 40; the 考核组 scores 8 and 9.
        await Submit(submissions, keys["c1/town"], ("org.rule_pledge", 1), ("study.court_hearing_attendees", 30), ("study.participants", 30));
        await Submit(submissions, keys["c1/sfj"], ("study.participants", 10));
        await Submit(submissions, keys["c2/town"], ("org.rule_pledge", 0), ("study.court_hearing_attendees", 10), ("study.participants", 20));
        await Submit(submissions, keys["c2/sfj"], ("study.participants", 20));
        foreach (var (county, score) in new[] { ("c1", 8.0), ("c2", 9.0) })
        {
            await rounds.EnterAssessorValuesAsync(new EnterAssessorValuesRequest
            {
                Year = Year,
                County = county,
                SubmissionId = Guid.NewGuid().ToString(),
                Reason = "实地核查",
                Values = { new IndicatorValue { Code = "pufa.site_visit_score", Value = score } },
            }, As(assessor));
        }

        var above = await Assert.ThrowsAsync<RpcException>(() => rounds.EnterAssessorValuesAsync(new EnterAssessorValuesRequest
        {
            Year = Year, County = "c1", SubmissionId = Guid.NewGuid().ToString(), Reason = "实地核查",
            Values = { new IndicatorValue { Code = "pufa.site_visit_score", Value = 11 } },
        }, As(assessor)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, above.StatusCode);

        // Completeness counts what each unit is asked: the department never misses the townships' pledge.
        var units = (await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(assessor))).Workflow.Completeness.Units;
        Assert.Equal(0, units.Single(u => u.Unit == "town").MissingValues);
        Assert.Equal(1, units.Single(u => u.Unit == "sfj").MissingValues); // 旁听庭审人次 only

        // 甲县: 20 + 20 × 75% + 60 × 0.8 = 83; 乙县: 0 + 20 × 25% + 60 × 0.9 = 59.
        var ranking = await rounds.GetRankingAsync(new GetRankingRequest { Year = Year }, As(assessor));
        Assert.Equal(["c1", "c2"], ranking.Entries.Select(e => e.County));
        Assert.Equal(83, ranking.Entries[0].Total, 2);
        Assert.Equal(59, ranking.Entries[1].Total, 2);
        Assert.Equal(["组织领导与学法", "实地核查"], ranking.Dimensions.Select(d => d.Name));
        var first = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(assessor));
        // The county's score card names the tenant's own lines: the computed rate at 75% of its 20 points.
        var line = first.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "study.hearing_share");
        Assert.Equal("旁听庭审人次占参学人次比例", line.Name);
        Assert.Equal(15, line.Points, 2);

        var bulletin = await new BulletinService.BulletinServiceClient(channel).RenderAsync(new RenderBulletinRequest { Year = Year, Format = BulletinFormat.Markdown }, As(assessor));
        var text = bulletin.Content;
        Assert.Contains("根据《乙市法治政府建设考核细则》", text, StringComparison.Ordinal);
        Assert.Contains("“组织领导与学法”平均得分率为50%", text, StringComparison.Ordinal); // (20 + 15 + 0 + 5) / 80
        Assert.Contains("优秀等次（1个）：甲县", text, StringComparison.Ordinal);
        // The 评分细则 annex: the tenant's own lines with their 评分标准 and 考核方式.
        Assert.Contains("2025年度法治政府建设考核评分细则", text, StringComparison.Ordinal);
        Assert.Contains("| 组织领导与学法 |  | 乡镇签订法治建设承诺书 | 20 | 符合要求得 20 分，否则不得分 | 系统计算 |", text, StringComparison.Ordinal);
        Assert.Contains("| 实地核查 |  | 实地核查评分 | 60 |", text, StringComparison.Ordinal);

        // A later version changes nothing in the pinned year: the form keeps the pinned name.
        var renamed = OwnCatalog().Replace("乡镇签订法治建设承诺书", "乡镇签订法治承诺书（新）", StringComparison.Ordinal);
        Assert.Equal(3, (await catalogs.SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = renamed }, As(assessor))).Version);
        Assert.Contains((await submissions.GetFormAsync(new GetFormRequest { Year = Year }, As(keys["c2/town"]))).Rows, r => r.Name == "乡镇签订法治建设承诺书");
        Assert.Equal(2, (await catalogs.GetCatalogAsync(new GetCatalogRequest { Year = Year }, As(assessor))).Version);
        Assert.Equal(3, (await catalogs.GetCatalogAsync(new GetCatalogRequest(), As(assessor))).Version);

        // Re-pinning the open year to version 3 needs a reason, is in the round's audit, and reaches the form at once.
        var noReason = await Assert.ThrowsAsync<RpcException>(() => rounds.RepinCatalogAsync(new RepinCatalogRequest { Year = Year, CatalogVersion = 3 }, As(assessor)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        var repinned = await rounds.RepinCatalogAsync(new RepinCatalogRequest { Year = Year, CatalogVersion = 3, Reason = "承诺书名称按省厅通知统一" }, As(assessor));
        Assert.Equal(3, repinned.CatalogVersion);
        Assert.Contains(repinned.Audit, e => e.Action == "repin_catalog" && e.Reason == "承诺书名称按省厅通知统一");
        Assert.Contains((await submissions.GetFormAsync(new GetFormRequest { Year = Year }, As(keys["c2/town"]))).Rows, r => r.Name == "乡镇签订法治承诺书（新）");
        Assert.Equal(83, (await rounds.GetRankingAsync(new GetRankingRequest { Year = Year }, As(assessor))).Entries[0].Total, 2);

        // A version that retires what the pinned 细则 scores is refused, naming it; the pin stays.
        var retiring = renamed.Replace("  - code: org.rule_pledge\n", "  - code: org.rule_pledge\n    retired: true\n", StringComparison.Ordinal);
        Assert.Equal(4, (await catalogs.SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = retiring }, As(assessor))).Version);
        var unfit = await Assert.ThrowsAsync<RpcException>(() => rounds.RepinCatalogAsync(new RepinCatalogRequest { Year = Year, CatalogVersion = 4, Reason = "试" }, As(assessor)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unfit.StatusCode);
        Assert.Equal(3, (await catalogs.GetCatalogAsync(new GetCatalogRequest { Year = Year }, As(assessor))).Version);

        // The first tenant's catalog holds none of it.
        var own = await catalogs.GetCatalogAsync(new GetCatalogRequest(), As(platform.Keys["assessor"]));
        Assert.DoesNotContain("承诺书", own.Yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(own.Indicators, i => i.Code is "org.rule_pledge" or "pufa.site_visit_score" || i.Retired);
    }

    [Fact]
    public async Task The_考核组_scores_an_item_for_several_counties_on_one_sheet_each_row_checked_like_any_entry()
    {
        var channel = platform.Server.Channel;
        var admin = new AdminService.AdminServiceClient(channel);
        var op = As(platform.Server.OperatorKey());
        var tenant = $"p-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "丙市", Issuer = "丙市法治办", DocumentPrefix = "丙法办", Recipients = "各县（区）" }, op);
        foreach (var (county, name) in new[] { ("c1", "甲县"), ("c2", "乙县"), ("c3", "丙县") })
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = county, Name = name }, op);
        }

        var assessor = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "丙市考核组" }, op)).Key;
        await new CatalogService.CatalogServiceClient(channel).SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = OwnCatalog() }, As(assessor));
        var rounds = new AssessmentService.AssessmentServiceClient(channel);
        var scheme = Scheme.Replace("{ indicator: pufa.site_visit_score, points: 60, rule: linear, lo: 0, hi: 10 }",
            "{ indicator: pufa.site_visit_score, points: 60, rule: panel, method: site_visit }", StringComparison.Ordinal);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = Year, SchemeYaml = scheme, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(assessor));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = Year }, As(assessor));

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, assessor)).StatusCode);
        var sheet = await http.GetStringAsync($"/{Year}/panel");
        Assert.Contains("实地核查评分（满分 10）", sheet, StringComparison.Ordinal);
        Assert.Contains("由考核组评定（满分 10）", sheet, StringComparison.Ordinal);

        // 甲县 8 and 乙县 9 with reasons; 丙县 6 without one: refused on its row, the others stored.
        var saved = await PostPanelAsync(http, sheet, new() { ["c1"] = ("8", "台账齐全，个别案卷不规范"), ["c2"] = ("9", "实地核查无问题"), ["c3"] = ("6", "") });
        Assert.Contains("2 个县（区）已保存，1 个未保存", saved, StringComparison.Ordinal);
        Assert.Contains("须说明依据", saved, StringComparison.Ordinal);
        var ranking = await rounds.GetRankingAsync(new GetRankingRequest { Year = Year }, As(assessor));
        Assert.Equal(54, ranking.Entries.Single(e => e.County == "c2").Dimensions[1].Points, 2); // 60 × 9/10
        Assert.Equal(48, ranking.Entries.Single(e => e.County == "c1").Dimensions[1].Points, 2);

        // Two members open the sheet; the first lowers 甲县. The second's sheet is then stale for 甲县 only, and its
        // 丙县, now with a reason, is stored.
        var first = await http.GetStringAsync($"/{Year}/panel");
        var second = await http.GetStringAsync($"/{Year}/panel");
        await PostPanelAsync(http, first, new() { ["c1"] = ("7", "复核后下调") });
        var stale = await PostPanelAsync(http, second, new() { ["c1"] = ("10", "改回"), ["c3"] = ("6", "宣传资料不全") });
        Assert.Contains("已被他人修改", stale, StringComparison.Ordinal);
        var c1 = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(assessor));
        var line = c1.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "pufa.site_visit_score");
        Assert.Equal((7.0, 42.0, "实地核查"), (line.Value, line.Points, line.Method));
        var c3 = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c3" }, As(assessor));
        Assert.Equal(6, c3.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "pufa.site_visit_score").Value);

        // Each saved row is an entry in its county's audit chain, with who and why.
        var audit = await rounds.ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(assessor));
        var bodies = audit.Entries.Select(e => e.Body).ToList();
        Assert.Contains(bodies, b => b.Contains("assessor_entry", StringComparison.Ordinal) && b.Contains("复核后下调", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_member_confirms_each_考核组_score_the_scorer_cannot_confirm_their_own_and_approval_waits_for_it()
    {
        var channel = platform.Server.Channel;
        var admin = new AdminService.AdminServiceClient(channel);
        var op = As(platform.Server.OperatorKey());
        var tenant = $"r-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "丁市", Issuer = "丁市法治办", DocumentPrefix = "丁法办", Recipients = "各县（区）" }, op);
        foreach (var (county, name) in new[] { ("c1", "甲县"), ("c2", "乙县"), ("c3", "丙县") })
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = county, Name = name }, op);
        }

        var scorer = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "考核组张三" }, op)).Key;
        var reviewer = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "考核组李四" }, op)).Key;
        // Another member who happens to share the scorer's name: a different person, so a confirmation of theirs counts.
        var namesake = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "考核组张三" }, op)).Key;
        var countyKey = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "county", County = "c1", Name = "甲县法治办" }, op)).Key;
        await new CatalogService.CatalogServiceClient(channel).SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = OwnCatalog() }, As(scorer));
        var rounds = new AssessmentService.AssessmentServiceClient(channel);
        var scheme = Scheme.Replace("{ indicator: pufa.site_visit_score, points: 60, rule: linear, lo: 0, hi: 10 }",
            "{ indicator: pufa.site_visit_score, points: 60, rule: panel, method: site_visit, review: true }", StringComparison.Ordinal);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = Year, SchemeYaml = scheme, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(scorer));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = Year }, As(scorer));

        async Task<HttpClient> SignedIn(string key)
        {
            var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}"),
            };
            Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, key)).StatusCode);
            return http;
        }

        using var zhang = await SignedIn(scorer);
        using var li = await SignedIn(reviewer);
        using var other = await SignedIn(namesake);

        // 张三 scores three counties; the sheet names him as 评分人 and offers 复核 — which he may not do himself.
        var sheet = await zhang.GetStringAsync($"/{Year}/panel");
        Assert.Contains("须由考核组另一位成员复核", sheet, StringComparison.Ordinal);
        await PostPanelAsync(zhang, sheet, new() { ["c1"] = ("8", "台账齐全"), ["c2"] = ("9", "实地核查无问题"), ["c3"] = ("6", "宣传资料不全") });
        sheet = await zhang.GetStringAsync($"/{Year}/panel");
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(sheet, "<td>考核组张三（"));
        var own = await PostPanelAsync(zhang, sheet, [], Confirm(sheet, "c1"));
        Assert.Contains("评分人不能复核自己的评分", own, StringComparison.Ordinal);

        // 甲县 reports; its approval waits for the 复核.
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(countyKey));
        var waiting = await Assert.ThrowsAsync<RpcException>(() => rounds.ApproveCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1" }, As(scorer)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, waiting.StatusCode);
        Assert.Contains("实地核查评分", waiting.Status.Detail, StringComparison.Ordinal);

        // 李四 confirms two as he sees them; the other 张三 (another credential) the third.
        var his = await li.GetStringAsync($"/{Year}/panel");
        var confirmed = await PostPanelAsync(li, his, [], [.. Confirm(his, "c1"), .. Confirm(his, "c2")]);
        Assert.Contains("已保存 2 个县（区）的复核", confirmed, StringComparison.Ordinal);
        var theirs = await other.GetStringAsync($"/{Year}/panel");
        confirmed = await PostPanelAsync(other, theirs, [], Confirm(theirs, "c3"));
        Assert.Contains("已保存 1 个县（区）的复核", confirmed, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(confirmed, "已复核（考核组李四（"));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(confirmed, "已复核（考核组张三（"));
        await rounds.ApproveCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1" }, As(scorer));

        // The confirmation is in the county's audit chain; a new score of 乙县 must be confirmed again.
        var audit = await rounds.ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(scorer));
        Assert.Contains(audit.Entries, e => e.Body.Contains("panel_review", StringComparison.Ordinal) && e.Body.Contains("考核组李四（", StringComparison.Ordinal));
        await PostPanelAsync(zhang, await zhang.GetStringAsync($"/{Year}/panel"), new() { ["c2"] = ("7", "复核后下调") });
        var after = await li.GetStringAsync($"/{Year}/panel");
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(after, "已复核（考核组李四（"));
        Assert.Contains("name=\"c.c2\"", after, StringComparison.Ordinal);
    }

    /// <summary>The fields of a 复核 tick for a county: the box, and the score the page showed.</summary>
    private static KeyValuePair<string, string>[] Confirm(string page, string county) =>
    [
        new($"c.{county}", "true"),
        new($"k.{county}", System.Text.RegularExpressions.Regex.Match(page, $"name=\"k\\.{county}\" value=\"([^\"]+)\"").Groups[1].Value),
    ];

    internal static async Task<string> PostPanelAsync(HttpClient http, string page, Dictionary<string, (string Score, string Reason)> rows,
        IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__af", System.Text.RegularExpressions.Regex.Match(page, "name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value),
            new("requestId", System.Text.RegularExpressions.Regex.Match(page, "name=\"requestId\" value=\"([^\"]+)\"").Groups[1].Value),
        };
        foreach (System.Text.RegularExpressions.Match version in System.Text.RegularExpressions.Regex.Matches(page, "name=\"v\\.([a-z0-9-]+)\" value=\"(\\d+)\""))
        {
            fields.Add(new($"v.{version.Groups[1].Value}", version.Groups[2].Value));
        }

        foreach (var (county, (score, reason)) in rows)
        {
            fields.Add(new($"s.{county}", score));
            fields.Add(new($"r.{county}", reason));
        }

        fields.AddRange(extra ?? []);

        var action = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, "<form method=\"post\" action=\"([^\"]*/panel[^\"]*)\"").Groups[1].Value);
        using var response = await http.PostAsync(action, new FormUrlEncodedContent(fields));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action} → {response.StatusCode} {response.Headers.Location}");
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    private static async Task<SubmitIndicatorsResponse> Submit(SubmissionService.SubmissionServiceClient client, string key, params (string Code, double Value)[] values)
    {
        var request = new SubmitIndicatorsRequest { Year = Year, SubmissionId = Guid.NewGuid().ToString() };
        request.Values.AddRange(values.Select(v => new IndicatorValue { Code = v.Code, Value = v.Value }));
        try
        {
            return await client.SubmitIndicatorsAsync(request, As(key));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            // A refused submission answers with its violations; the outcomes carry the same words.
            var response = new SubmitIndicatorsResponse();
            var detail = ex.Status.Detail + string.Join("", ex.Trailers.Where(t => t.IsBinary).Select(t => System.Text.Encoding.UTF8.GetString(t.ValueBytes)));
            response.Outcomes.AddRange(values.Select(v => new ValueOutcome { Code = v.Code, Reason = detail }));
            return response;
        }
    }
}
