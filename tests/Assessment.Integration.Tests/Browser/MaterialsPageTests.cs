using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// 查阅资料 in a real browser: the 考核组 reads a 上报 county's lines with their figures and files, marks one 材料不全 and
/// one 不予认可 (which opens the 核查调整 pre-filled for it), the 退回 reason cites them, and the overview counts them.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MaterialsPageTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    private const int Year = 2025;

    [Fact]
    public async Task The_assessor_reads_the_files_marks_lines_and_不予认可_opens_a_pre_filled_核查调整_that_退回_cites()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        await new SubmissionService.SubmissionServiceClient(platform.Server.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = Year, SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "legalaid.cases", Value = 17 }, new IndicatorValue { Code = "legalaid.consultations", Value = 230 } },
        }, unit);
        var text = "法律援助案件登记表\n共 17 件\n"u8.ToArray();
        await EvidenceUpload.SendAsync(platform.Server, unit, EvidenceUpload.Header("登记表.txt", text, Year), text);
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));

        var page = await browser.SignInAsync(platform.Server, tenant.Assessor);
        await page.GotoAsync($"/{Year}/counties/c1");
        await page.ClickAsync("a:has-text('查阅资料（各项数据的佐证材料）')");
        await page.WaitForURLAsync($"**/{Year}/counties/c1/materials");
        var cases = "tr[data-line='legalaid.cases']";
        var consultations = "tr[data-line='legalaid.consultations']";
        Assert.Contains("登记表.txt", await page.InnerTextAsync(cases), StringComparison.Ordinal);
        Assert.Contains("17", await page.InnerTextAsync(cases), StringComparison.Ordinal);
        Assert.Contains("未上传", await page.InnerTextAsync(consultations), StringComparison.Ordinal);

        // A finding other than 材料齐全 needs a reason: refused in Chinese, nothing recorded.
        await page.SelectOptionAsync($"{consultations} select[name=finding]", "incomplete");
        await page.EvalOnSelectorAsync($"{consultations} form", "f => f.noValidate = true");
        await page.ClickAsync($"{consultations} button[type=submit]");
        Assert.Contains("理由", await page.InnerTextAsync("p.notice.error"), StringComparison.Ordinal);
        Assert.Contains("未查阅", await page.InnerTextAsync(consultations), StringComparison.Ordinal);

        await page.SelectOptionAsync($"{consultations} select[name=finding]", "incomplete");
        await page.FillAsync($"{consultations} input[name=reason]", "缺少咨询登记台账");
        await page.ClickAsync($"{consultations} button[type=submit]");
        await page.WaitForSelectorAsync("p.notice[role=status]:has-text('材料不全')");
        Assert.Contains("材料不全：缺少咨询登记台账", await page.InnerTextAsync(consultations), StringComparison.Ordinal);

        // 不予认可: recorded, and the county page's 核查调整 comes pre-filled with the line and the reason.
        await page.SelectOptionAsync($"{cases} select[name=finding]", "rejected");
        await page.FillAsync($"{cases} input[name=reason]", "登记表与案卷数不符");
        await page.ClickAsync($"{cases} button[type=submit]");
        await page.WaitForURLAsync($"**/{Year}/counties/c1?adjust=legalaid.cases**");
        await page.WaitForLoadStateAsync(LoadState.Load);
        // The default 细则 scores 法律援助案件数 within 矛盾纠纷化解与公共法律服务 as a whole: that 一级指标 is chosen.
        Assert.Equal("mediation", await page.InputValueAsync("#adjust-target"));
        Assert.Equal("查阅资料不予认可：登记表与案卷数不符", await page.InputValueAsync("#adjust-reason"));
        // 退回 cites both findings.
        var draft = await page.InputValueAsync("#return-reason");
        Assert.Contains("材料不全：法律咨询人次（缺少咨询登记台账）", draft, StringComparison.Ordinal);
        Assert.Contains("不予认可：法律援助案件数（登记表与案卷数不符）", draft, StringComparison.Ordinal);

        await page.FillAsync("#adjust-points", "-1");
        await page.ClickAsync("form[action*='handler=Adjust'] button[type=submit]");
        await page.WaitForSelectorAsync("p.notice[role=status]:has-text('核查调整已记入得分')");

        // The overview counts the lines read; the county sees the findings.
        await page.GotoAsync($"/{Year}");
        Assert.Contains("2 项", await page.InnerTextAsync("a[href$='/counties/c1/materials']"), StringComparison.Ordinal);
        var county = await browser.SignInAsync(platform.Server, tenant.County);
        await county.GotoAsync($"/{Year}/counties/c1/materials");
        Assert.Contains("不予认可：登记表与案卷数不符", await county.InnerTextAsync(cases), StringComparison.Ordinal);
        Assert.Equal(0, await county.Locator("select[name=finding]").CountAsync());
        // The audit chain has both findings.
        var audit = await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Equal(2, audit.Entries.Count(e => e.Body.Contains("\"action\":\"materials_review\"", StringComparison.Ordinal)));
    }
}
