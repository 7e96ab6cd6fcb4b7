using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// The workbench in a real browser against the real server: each role signs in and does its day's work end to end —
/// a unit fills its form, the county 上报, the assessor 退回 / 审核通过 / adjusts, and the pages show it.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WorkbenchTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    private const int Year = 2025;
    private const string Cases = "legalaid.cases";

    private ServerProcess Server => platform.Server;

    private Task<IPage> SignInAsync(string key, int width = 1280) => browser.SignInAsync(Server, key, width);

    private async Task<int> StoredVersionAsync(string unitKey) =>
        (await new SubmissionService.SubmissionServiceClient(Server.Channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = Year }, As(unitKey))).Version;

    [Fact]
    public async Task A_unit_fills_its_form_with_a_double_click_that_stores_one_version_and_the_county_page_shows_the_new_total()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var unit = await SignInAsync(tenant.Units["u1"]);
        Assert.EndsWith($"/{Year}/form", unit.Url);
        await unit.FillAsync($"input[name='v.{Cases}']", "17");
        await unit.FillAsync($"input[name='n.{Cases}']", "含线上援助 3 件");
        await unit.DblClickAsync("button[name=preview][value=false]");
        await unit.WaitForSelectorAsync("p.notice[role=status]");
        Assert.Equal(1, await StoredVersionAsync(tenant.Units["u1"]));
        Assert.Equal("17", await unit.InputValueAsync($"input[name='v.{Cases}']"));
        Assert.Contains("第 1 版", await unit.InnerTextAsync("table"));

        var county = await SignInAsync(tenant.County);
        Assert.EndsWith($"/{Year}/counties/c1", county.Url);
        Assert.Contains("17", await county.InnerTextAsync($"tr[data-code='{Cases}']"));
    }

    [Fact]
    public async Task The_review_cycle_in_the_browser_submit_return_with_a_reason_the_unit_sees_then_approve_and_an_adjustment_in_the_score()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var county = await SignInAsync(tenant.County);
        await county.CheckAsync("input[name=confirmed]");
        await county.ClickAsync("form[action*='handler=Submit'] button[type=submit]");
        Assert.Contains("已上报", await county.InnerTextAsync("p.notice[role=status]"));

        var assessor = await SignInAsync(tenant.Assessor);
        await assessor.GotoAsync($"/{Year}/counties/c1");
        await assessor.FillAsync("#return-reason", "执法案卷评查数据缺少佐证，请补充");
        await assessor.ClickAsync("form[action*='handler=Return'] button[type=submit]");
        Assert.Contains("已退回", await assessor.InnerTextAsync("p.notice[role=status]"));

        var unit = await SignInAsync(tenant.Units["u2"]);
        Assert.Contains("执法案卷评查数据缺少佐证，请补充", await unit.InnerTextAsync("p.returned"));
        await county.ReloadAsync();
        Assert.Contains("执法案卷评查数据缺少佐证，请补充", await county.InnerTextAsync("p.returned"));

        await county.CheckAsync("input[name=confirmed]");
        await county.ClickAsync("form[action*='handler=Submit'] button[type=submit]");
        await county.WaitForSelectorAsync("p.notice[role=status]:has-text('已上报')");
        await assessor.ReloadAsync();
        await assessor.SelectOptionAsync("#adjust-target", new SelectOptionValue { Index = 0 }); // a whole assessment content
        await assessor.FillAsync("#adjust-points", "1.5"); // the tenant has no figures: a deduction would find no points to take
        await assessor.FillAsync("#adjust-reason", "实地核查发现台账不全");
        await assessor.ClickAsync("form[action*='handler=Adjust'] button[type=submit]");
        await assessor.WaitForSelectorAsync("p.notice[role=status]:has-text('核查调整已记入得分')");
        await assessor.WaitForLoadStateAsync(LoadState.Load); // the whole page, not the part a busy server has sent so far
        Assert.Contains("实地核查发现台账不全", await assessor.InnerTextAsync("main"));
        await assessor.ClickAsync("form[action*='handler=Approve'] button[type=submit]");
        await assessor.WaitForSelectorAsync("p.notice[role=status]:has-text('已审核通过')");
        Assert.Contains("审核通过", await assessor.InnerTextAsync("h1"));

        var stored = await new AssessmentService.AssessmentServiceClient(Server.Channel).GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Equal(("reviewed", 1.5), (stored.Workflow.Status, stored.Adjusted));
        var audit = await assessor.InnerTextAsync("div.audit");
        Assert.Contains("退回", audit);
        Assert.Contains("核查调整", audit);
    }

    [Fact]
    public async Task Two_assessors_on_one_county_the_second_is_told_it_changed_and_nothing_is_overwritten()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        await new AssessmentService.AssessmentServiceClient(Server.Channel).SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        var first = await SignInAsync(tenant.Assessor);
        var second = await SignInAsync(tenant.Assessor);
        await first.GotoAsync($"/{Year}/counties/c1");
        await second.GotoAsync($"/{Year}/counties/c1");

        await first.ClickAsync("form[action*='handler=Approve'] button[type=submit]");
        await first.WaitForSelectorAsync("p.notice[role=status]:has-text('已审核通过')");
        await second.FillAsync("#return-reason", "数据不全");
        await second.ClickAsync("form[action*='handler=Return'] button[type=submit]");

        var told = await second.InnerTextAsync("p.notice.error");
        Assert.Contains("已被他人修改，请刷新", told);
        Assert.Contains("期间的变化", told); // what the other assessor did, in words
        Assert.Contains("审核通过", told);
        Assert.Contains("审核通过", await second.InnerTextAsync("h1"));
        var stored = await new AssessmentService.AssessmentServiceClient(Server.Channel).GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Equal("reviewed", stored.Workflow.Status);
    }

    [Fact]
    public async Task The_unit_form_is_submitted_with_the_keyboard_alone()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var unit = await SignInAsync(tenant.Units["u3"]);
        Assert.True(await TabToAsync(unit, $"document.activeElement?.name === 'v.{Cases}'"), "the value field is reachable with Tab");
        await unit.Keyboard.TypeAsync("9");
        Assert.True(await TabToAsync(unit, "document.activeElement?.tagName === 'BUTTON' && document.activeElement.value === 'false'"), "the save button is reachable with Tab");
        await unit.Keyboard.PressAsync("Enter");
        await unit.WaitForSelectorAsync("p.notice[role=status]");
        Assert.Equal(1, await StoredVersionAsync(tenant.Units["u3"]));
    }

    [Fact]
    public async Task A_county_reports_and_the_assessor_returns_it_with_the_keyboard_alone()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var county = await SignInAsync(tenant.County);
        await county.GotoAsync($"/{Year}/counties/c1");
        Assert.True(await TabToAsync(county, "document.activeElement?.name === 'confirmed'"), "the confirmation is reachable with Tab");
        await county.Keyboard.PressAsync("Space");
        Assert.True(await TabToAsync(county, "document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.includes('上报')"), "上报 is reachable with Tab");
        await county.Keyboard.PressAsync("Enter");
        await county.WaitForSelectorAsync("p.notice[role=status]");

        var assessor = await SignInAsync(tenant.Assessor);
        await assessor.GotoAsync($"/{Year}/counties/c1");
        Assert.True(await TabToAsync(assessor, "document.activeElement?.id === 'return-reason'"), "the reason is reachable with Tab");
        await assessor.Keyboard.TypeAsync("佐证材料不全");
        Assert.True(await TabToAsync(assessor, "document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim() === '退回'"), "退回 is reachable with Tab");
        await assessor.Keyboard.PressAsync("Enter");
        await assessor.WaitForSelectorAsync("p.returned[role=alert]");
        var workflow = await new AssessmentService.AssessmentServiceClient(Server.Channel).GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Equal("佐证材料不全", workflow.Workflow.ReturnReason);
    }

    [Fact]
    public async Task At_390_pixels_no_page_scrolls_sideways()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor, width: 390);
        var unit = await SignInAsync(tenant.Units["u1"], width: 390);
        foreach (var (page, path) in new[] { (assessor, $"/{Year}"), (assessor, $"/{Year}/ranking"), (assessor, $"/{Year}/counties/c1"), (assessor, $"/{Year}/scheme"), (assessor, $"/{Year}/scheme/edit"), (unit, $"/{Year}/form"), (assessor, "/no-such-page") })
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            var widest = width <= 390 ? "" : await page.EvaluateAsync<string>(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390 && !e.closest('.table-wrap')).slice(0, 3).map(e => e.outerHTML.slice(0, 80)).join(' | ')");
            Assert.True(width <= 390, $"{path} is {width} px wide at 390: {widest}");
        }

        // Printed, a page is its content: no navigation, no forms.
        await assessor.GotoAsync($"/{Year}/counties/c1");
        await assessor.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await assessor.IsVisibleAsync("header.top"));
        Assert.Equal(0, await assessor.Locator("form:visible").CountAsync());
        Assert.True(await assessor.IsVisibleAsync("h1"));
    }

    /// <summary>
    /// Every action on a page can be reached and taken from the keyboard: each visible control is in the tab order (no
    /// negative or positive tabindex), nothing but a control reacts to clicks, and every form has a submit control in
    /// the tab order (Enter or Space submits it).
    /// </summary>
    private const string KeyboardReach = """
        () => {
          const bad = [];
          const shown = el => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden' && el.getClientRects().length > 0; };
          const controls = ['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'SUMMARY'];
          for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [onclick], [role=button], [tabindex]')) {
            if (!shown(el) || el.disabled) continue;
            const what = el.outerHTML.slice(0, 90);
            if (el.tabIndex < 0) bad.push('not in the tab order: ' + what);
            if (el.tabIndex > 0) bad.push('positive tabindex: ' + what);
            if ((el.hasAttribute('onclick') || el.getAttribute('role') === 'button') && !controls.includes(el.tagName)) bad.push('clickable but not a control: ' + what);
          }
          for (const form of document.forms) {
            if (!shown(form)) continue;
            const submits = [...form.elements].filter(e => (e.tagName === 'BUTTON' && (e.getAttribute('type') || 'submit') === 'submit') || (e.tagName === 'INPUT' && ['submit', 'image'].includes(e.type)));
            if (!submits.some(e => !e.disabled && e.tabIndex >= 0 && shown(e))) bad.push('a form no key submits: ' + (form.getAttribute('action') || form.outerHTML.slice(0, 90)));
          }
          return bad;
        }
        """;

    [Fact]
    public async Task Every_page_of_every_role_passes_the_automated_accessibility_check()
    {
        // axe-core (Deque) in Chromium: no serious or critical violation on any workbench page, for each role, at the
        // desktop width and on a phone.
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var op = As(Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(Server.Channel);
        var leaderKey = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "leader", Name = "无障碍测试领导" }, op)).Key;
        var adminKey = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "无障碍测试管理员" }, op)).Key;
        (string Who, string Key, string[] Paths)[] roles =
        [
            ("assessor", tenant.Assessor, [$"/{Year}", $"/{Year}/ranking", $"/{Year}/counties/c1", $"/{Year}/counties/c1/materials", $"/{Year}/scheme", $"/{Year}/scheme/edit", $"/{Year}/panel", "/no-such-page"]),
            ("county", tenant.County, [$"/{Year}/counties/c1", $"/{Year}/evidence"]),
            ("unit", tenant.Units["u1"], [$"/{Year}/form", $"/{Year}/evidence"]),
            ("leader", leaderKey, ["/bulletins", $"/{Year}/ranking"]),
            ("tenant admin", adminKey, ["/admin", "/accounts", "/events", "/account"]),
        ];
        var failures = new List<string>();
        foreach (var width in new[] { 1280, 390 })
        {
            foreach (var (who, key, paths) in roles)
            {
                var page = await SignInAsync(key, width);
                foreach (var path in paths.Prepend(new Uri(page.Url).AbsolutePath).Distinct())
                {
                    await page.GotoAsync(path);
                    var result = await Deque.AxeCore.Playwright.PageExtensions.RunAxe(page);
                    failures.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical")
                        .Select(v => $"{who} {path} at {width}px: {v.Id} ({v.Impact}) {v.Help} — {string.Join("; ", v.Nodes.Take(3).Select(n => n.Html))}"));
                    failures.AddRange((await page.EvaluateAsync<string[]>(KeyboardReach)).Select(f => $"{who} {path} at {width}px: {f}"));
                }

                await page.Context.CloseAsync();
            }
        }

        // The sign-in page, before anyone is signed in.
        var anonymous = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = $"http://127.0.0.1:{Server.Config.WebPort}", Locale = "zh-CN" });
        foreach (var path in new[] { "/login", "/account/setup?token=no-such-link-token-0000000000" })
        {
            await anonymous.GotoAsync(path);
            failures.AddRange((await Deque.AxeCore.Playwright.PageExtensions.RunAxe(anonymous)).Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"anonymous {path}: {v.Id} {v.Help}"));
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Distinct()));
    }

    [Fact]
    public async Task The_ranking_shows_rank_county_total_and_grade_without_scrolling_at_1280_and_390_pixels()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        foreach (var width in new[] { 1280, 390 })
        {
            var assessor = await SignInAsync(tenant.Assessor, width: width);
            await assessor.GotoAsync($"/{Year}/ranking");
            foreach (var header in new[] { "排名", "县（区）", "总分", "等次" })
            {
                var box = await assessor.Locator("thead th", new PageLocatorOptions { HasTextString = header }).First.BoundingBoxAsync();
                Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= width, $"{header} at {width}px: {box?.X}+{box?.Width}");
            }

            // Chart text stays legible: no label renders smaller than 9 px.
            var smallest = await assessor.EvaluateAsync<double>("Math.min(1000, ...[...document.querySelectorAll('figure.chart svg text')].map(t => t.getBoundingClientRect().height).filter(h => h > 0))");
            Assert.True(smallest >= 9, $"chart text {smallest}px high at {width}px");
        }
    }

    [Fact]
    public async Task Another_tenants_county_and_a_county_that_does_not_exist_look_the_same_and_a_county_cannot_open_another()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor);
        // "alpha" is a county of the shared test tenant, not of this one.
        var foreign = await assessor.GotoAsync($"/{Year}/counties/alpha");
        var foreignText = await assessor.InnerTextAsync("main");
        var missing = await assessor.GotoAsync($"/{Year}/counties/nowhere");
        Assert.Equal((404, await assessor.InnerTextAsync("main")), (foreign!.Status, foreignText));

        var county = await SignInAsync(tenant.County);
        var other = await county.GotoAsync($"/{Year}/counties/alpha");
        var otherText = await county.InnerTextAsync("main");
        var none = await county.GotoAsync($"/{Year}/counties/nowhere");
        Assert.Equal((403, await county.InnerTextAsync("main")), (other!.Status, otherText));
        Assert.Equal(403, none!.Status);
        Assert.Contains("无权访问", otherText);
        Assert.Equal(404, missing!.Status);
    }

    [Fact]
    public async Task Error_pages_are_in_chinese_and_a_year_without_a_round_says_so()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor);
        var unknown = await assessor.GotoAsync("/no/such/page");
        Assert.Equal(404, unknown!.Status);
        Assert.Contains("页面不存在", await assessor.InnerTextAsync("h1"));
        var empty = await assessor.GotoAsync($"/{Year - 3}");
        Assert.Equal(404, empty!.Status);
        Assert.Contains("尚未开启", await assessor.InnerTextAsync("main"));
        Assert.Contains("退出", await assessor.InnerTextAsync("header")); // still signed in, with the way out
    }

    [Fact]
    public async Task A_refused_value_is_stopped_in_the_browser_and_again_by_the_server_marked_in_place_and_nothing_is_stored()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var unit = await SignInAsync(tenant.Units["u1"]);
        var input = $"input[name='v.{Cases}']";
        await unit.FillAsync(input, "2.5"); // a count of cases cannot be a fraction
        await unit.ClickAsync("button[name=preview][value=false]");
        Assert.True(await unit.EvalOnSelectorAsync<bool>(input, "e => e.validity.stepMismatch"), "the browser stops a fraction");

        // A browser that does not check (any step allowed): the server refuses, the page marks the field.
        await unit.EvalOnSelectorAsync(input, "e => e.setAttribute('step', 'any')");
        await unit.ClickAsync("button[name=preview][value=false]");
        await unit.WaitForSelectorAsync("p.notice.error");
        var field = unit.Locator($"div.form-row[data-code='{Cases}']");
        Assert.Equal("true", await field.Locator("input[type=number]").GetAttributeAsync("aria-invalid"));
        Assert.NotEmpty(await field.Locator(".field-error").InnerTextAsync());
        Assert.Contains("未保存", await unit.InnerTextAsync("p.notice.error"));
        Assert.Equal("2.5", await unit.InputValueAsync(input)); // what was typed stays
        Assert.Equal(0, await StoredVersionAsync(tenant.Units["u1"]));
    }

    [Fact]
    public async Task The_assessor_publishes_from_the_overview_and_then_the_leader_reads_the_ranking_and_the_county()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var op = As(Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(Server.Channel);
        var issued = await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "leader", Name = "测试市长" }, op);
        var leaderKey = issued.Key;
        var distribution = new SetDistributionRequest { Tenant = tenant.Id };
        distribution.Recipients.Add(new Recipient { Id = "mayor", Person = "王市长", Office = "测试专用市人民政府", CredentialId = issued.Credential.Id });
        await admin.SetDistributionAsync(distribution, op);
        var leader = await SignInAsync(leaderKey);
        Assert.Equal(409, (await leader.GotoAsync($"/{Year}/ranking"))!.Status);
        Assert.Contains("尚未发布", await leader.InnerTextAsync("main"));

        await tenant.ReviewAndCloseAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor);
        await assessor.GotoAsync($"/{Year}");
        await assessor.ClickAsync("form[action*='handler=Publish'] button[type=submit]");
        Assert.Contains("已发布", await assessor.InnerTextAsync("p.notice[role=status]"));
        var overview = await assessor.InnerTextAsync("div.cards");
        Assert.Contains("结果已发布", overview);
        Assert.DoesNotContain("审核通过 0", overview);

        Assert.Equal(200, (await leader.GotoAsync($"/{Year}/ranking"))!.Status);
        Assert.Contains("甲县", await leader.InnerTextAsync("table"));
        await leader.ClickAsync("text=甲县");
        await leader.WaitForURLAsync($"**/{Year}/counties/c1");
        Assert.Contains("已发布", await leader.InnerTextAsync("h1"));
        Assert.Equal(0, await leader.Locator("form[action*='handler=']").CountAsync()); // leaders only read

        // The bulletin addressed to the leader: listed under 我的通报, opened as their personal copy.
        await leader.ClickAsync("nav >> text=我的通报");
        Assert.Contains("未阅", await leader.InnerTextAsync("table"));
        await leader.ClickAsync("table a:has-text('通报')");
        Assert.Contains("本件分发：王市长", await leader.ContentAsync());
    }

    [Fact]
    public async Task The_assessor_defines_and_opens_a_year_in_the_browser_and_tries_a_draft_scheme_beside_the_pinned_one()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor);

        // A year without a round offers the assessor its definition.
        Assert.Equal(404, (await assessor.GotoAsync($"/{Year + 1}"))!.Status);
        await assessor.ClickAsync($"a[href='/{Year + 1}/scheme']");
        await assessor.FillAsync("#define-deadline", $"{Year + 2}-03-31T18:00");
        await assessor.ClickAsync("form[action*='handler=Define'] button[type=submit]");
        Assert.Contains("请核对后开启填报", await assessor.InnerTextAsync("p.notice[role=status]"));
        await assessor.DblClickAsync("form[action*='handler=Open'] button[type=submit]"); // twice: opened once, told so
        await assessor.WaitForSelectorAsync("p.notice[role=status]:has-text('已开启填报')");
        Assert.Equal(0, await assessor.Locator("p.notice.error").CountAsync());
        Assert.Contains("填报中", await assessor.InnerTextAsync("h1"));
        Assert.Contains($"{Year + 2}-03-31 18:00", await assessor.InnerTextAsync("main")); // the deadline as entered, in Beijing time

        // A draft scheme whose lowest grade starts at 0 moves the county (no figures, 0 points) from 不合格 to 合格.
        var draft = File.ReadAllText(RepositoryFile("src", "Assessment.Domain", "Data", "default-scheme.yaml"))
            .Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("    - { label: 合格, min: 60 }\n    - { label: 不合格, min: 0 }", "    - { label: 合格, min: 0 }", StringComparison.Ordinal);
        await assessor.GotoAsync($"/{Year}/scheme");
        await assessor.SetInputFilesAsync("#try-scheme", new FilePayload { Name = "草案.yaml", MimeType = "text/yaml", Buffer = System.Text.Encoding.UTF8.GetBytes(draft) });
        await assessor.ClickAsync("form[action*='handler=Try'] button[type=submit]");
        var row = await assessor.InnerTextAsync("tr[data-county='c1']");
        Assert.Contains("不合格", row);
        Assert.Contains("甲县（不合格→合格）", await assessor.InnerTextAsync("main"));
        Assert.Contains("等次变化", row);
        Assert.Contains("default@2", await assessor.InnerTextAsync("thead"));

        // A broken draft is refused in Chinese and nothing changes.
        await assessor.SetInputFilesAsync("#try-scheme", new FilePayload { Name = "坏.yaml", MimeType = "text/yaml", Buffer = "code: [unclosed"u8.ToArray() });
        await assessor.ClickAsync("form[action*='handler=Try'] button[type=submit]");
        Assert.Contains("未能试算", await assessor.InnerTextAsync("p.notice.error"));
    }

    [Fact]
    public async Task The_assessor_builds_a_line_in_the_细则_editor_sees_the_loader_error_in_place_fixes_it_sees_the_county_move_and_pins_it()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var assessor = await SignInAsync(tenant.Assessor);
        await assessor.GotoAsync($"/{Year}/scheme");
        await assessor.ClickAsync("a:has-text('在线编辑细则')");
        await assessor.WaitForURLAsync($"**/{Year}/scheme/edit**");
        Assert.Contains("本年度固定的细则（default@1）", await assessor.InnerTextAsync("main"));

        // A new 三级指标 in 组织领导 (the blank row under its six lines), its point taken from the leading group; linear
        // without its lines. And 合格 from 0 points, 不合格 removed, which moves the county (no figures yet) out of 不合格.
        static string F(string field) => $"[name='{field}']";
        await assessor.FillAsync(F("dimensions[0].lines[6].indicator"), "org.public_lawyers");
        await assessor.FillAsync(F("dimensions[0].lines[6].points"), "1");
        await assessor.SelectOptionAsync(F("dimensions[0].lines[6].rule"), "linear");
        await assessor.FillAsync(F("dimensions[0].lines[0].points"), "1");
        var pass = (await assessor.Locator("input[name$='.label'][value='合格']").GetAttributeAsync("name"))!.Replace(".label", ".min", StringComparison.Ordinal);
        await assessor.FillAsync(F(pass), "0");
        var fail = (await assessor.Locator("input[name$='.label'][value='不合格']").GetAttributeAsync("name"))!.Replace(".label", ".remove", StringComparison.Ordinal);
        await assessor.CheckAsync(F(fail));
        await assessor.ClickAsync("form[action*='handler=Save'] button[type=submit]");

        // The loader's message on the field it concerns, nothing saved, what was typed kept.
        Assert.Contains("未保存", await assessor.InnerTextAsync("p.notice.error"));
        Assert.Equal("必填", await assessor.InnerTextAsync("#f-dimensions-0--lines-6--lo-error"));
        Assert.Equal("true", await assessor.GetAttributeAsync(F("dimensions[0].lines[6].lo"), "aria-invalid"));
        Assert.Equal("org.public_lawyers", await assessor.InputValueAsync(F("dimensions[0].lines[6].indicator")));
        Assert.Equal(0, await assessor.Locator("a[href*='basis=draft:']").CountAsync());

        await assessor.FillAsync(F("dimensions[0].lines[6].lo"), "0");
        await assessor.FillAsync(F("dimensions[0].lines[6].hi"), "2");
        await assessor.FillAsync("#f-note", "新增公职律师配备");
        await assessor.ClickAsync("form[action*='handler=Save'] button[type=submit]");
        Assert.Contains("已保存为草稿第 1 版（default@2）", await assessor.InnerTextAsync("p.notice[role=status]"));
        await assessor.WaitForLoadStateAsync(LoadState.Load); // the trial comes after the long form: read it once it has all come
        Assert.Equal(0, await assessor.Locator(".field-error").CountAsync());

        // The what-if beside it: the county moves from 不合格 to 合格 under the draft.
        Assert.Contains("甲县（不合格→合格）", await assessor.InnerTextAsync("main"));
        Assert.Contains("等次变化", await assessor.InnerTextAsync("tr[data-county='c1']"));
        Assert.Contains("公职律师人数", await assessor.InnerTextAsync("tr[data-line='dimensions[0].lines[6]']"));

        // Pinned to the year with a reason: the round takes it, in its audit trail.
        await assessor.FillAsync("#pin-reason", "细则修订：新增公职律师配备");
        await assessor.ClickAsync("form[action*='handler=Pin'] button[type=submit]");
        Assert.Contains("default@2", await assessor.InnerTextAsync("p.notice[role=status]"));
        var info = await new AssessmentService.AssessmentServiceClient(Server.Channel).GetRoundAsync(new GetRoundRequest { Year = Year }, As(tenant.Assessor));
        Assert.Equal("default@2", info.Scheme);
        Assert.Contains(info.Audit, a => a.Reason == "细则修订：新增公职律师配备");
    }

    [Fact]
    public async Task A_考核组_member_scores_an_item_for_three_counties_in_the_browser_and_a_second_member_confirms_them()
    {
        var admin = new AdminService.AdminServiceClient(Server.Channel);
        var op = As(Server.OperatorKey());
        var tenant = $"k-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "戊市", Issuer = "戊市法治办", DocumentPrefix = "戊法办", Recipients = "各县（区）" }, op);
        foreach (var (id, name) in new[] { ("c1", "甲县"), ("c2", "乙县"), ("c3", "丙县") })
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = id, Name = name }, op);
        }

        // The 考核办 sets the year up; the scores are by 考核组成员 (the member role: the sheet and the county pages, nothing else).
        var office = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "戊市考核办" }, op)).Key;
        var zhang = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "member", Name = "考核组张三" }, op)).Key;
        var li = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "member", Name = "考核组李四" }, op)).Key;
        await new CatalogService.CatalogServiceClient(Server.Channel).SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = TenantCatalogTests.OwnCatalog() }, As(office));
        const string scheme = """
            code: wushi
            version: 1
            name: 戊市法治政府建设考核细则
            dimensions:
              - code: site
                name: 实地核查
                weight: 100
                lines:
                  - { indicator: pufa.site_visit_score, points: 100, rule: panel, method: site_visit, review: true }
            grades:
              bands: [ { label: 合格, min: 60 }, { label: 不合格, min: 0 } ]
            """;
        var rounds = new AssessmentService.AssessmentServiceClient(Server.Channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = Year, SchemeYaml = scheme, SubmissionDeadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(office));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = Year }, As(office));

        // 张三 scores the three counties on one sheet, each with its reason.
        var first = await SignInAsync(zhang);
        await first.GotoAsync($"/{Year}/panel");
        foreach (var (county, score, reason) in new[] { ("c1", "8", "台账齐全"), ("c2", "9", "实地核查无问题"), ("c3", "6", "宣传资料不全") })
        {
            await first.FillAsync($"input[name='s.{county}']", score);
            await first.FillAsync($"input[name='r.{county}']", reason);
        }

        await first.ClickAsync("form[action*='/panel'] button[type=submit]");
        Assert.Contains("已保存 3 个县（区）的评分", await first.InnerTextAsync("p.notice[role=status]"));
        Assert.Contains("考核组张三", await first.InnerTextAsync("tr[data-county='c2']"));

        // 李四 confirms them; the sheet shows who confirmed each.
        var second = await SignInAsync(li);
        await second.GotoAsync($"/{Year}/panel");
        foreach (var county in new[] { "c1", "c2", "c3" })
        {
            await second.CheckAsync($"input[name='c.{county}']");
        }

        await second.ClickAsync("form[action*='/panel'] button[type=submit]");
        Assert.Contains("已保存 3 个县（区）的复核", await second.InnerTextAsync("p.notice[role=status]"));
        foreach (var county in new[] { "c1", "c2", "c3" })
        {
            Assert.Contains("已复核（考核组李四", await second.InnerTextAsync($"tr[data-county='{county}']"));
        }
    }

    [Fact]
    public async Task A_unit_uploads_its_annual_report_checks_each_proposed_figure_with_its_evidence_and_saves()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var unit = await SignInAsync(tenant.Units["u1"]);
        var report = "甲县司法局2025年法治政府建设年度报告\n一、主要工作\n全年共受理法律援助案件23件，为困难群众挽回经济损失。行政机关负责人出庭应诉3件。\n";
        await unit.SetInputFilesAsync("#report-file", new FilePayload { Name = "年度报告.txt", MimeType = "text/plain", Buffer = System.Text.Encoding.UTF8.GetBytes(report) });
        await unit.ClickAsync("form[action*='handler=Report'] button[type=submit]");
        Assert.Contains("年度报告.txt", await unit.InnerTextAsync("#proposals-title"));
        var row = unit.Locator($"div.form-row[data-code='{Cases}']");
        Assert.Equal("23", await row.Locator("input[type=number]").InputValueAsync());
        Assert.Equal("23", await row.Locator(".proposal mark").InnerTextAsync()); // the figure highlighted in its sentence
        Assert.Contains("法律援助案件", await row.Locator(".proposal .evidence").InnerTextAsync());

        // An indicator no labelled report states: shown beside its sentence as a suggestion, not filled in.
        var suggested = unit.Locator("div.form-row[data-code='dispute.head_appearances']");
        Assert.StartsWith("待核实（未填入）", await suggested.Locator(".proposal .evidence").InnerTextAsync());
        Assert.Equal("", await suggested.Locator("input[type=number]").InputValueAsync());
        Assert.Equal(0, await suggested.Locator("input[name='ok.dispute.head_appearances']").CountAsync());

        // Not checked: the browser will not send it, and a client that does is refused by the server.
        await unit.EvalOnSelectorAsync($"input[name='ok.{Cases}']", "e => e.removeAttribute('required')");
        await unit.ClickAsync("button[name=preview][value=false]");
        Assert.Contains("请核对", await unit.InnerTextAsync($"div.form-row[data-code='{Cases}'] .field-error"));
        Assert.Equal(0, await StoredVersionAsync(tenant.Units["u1"]));

        // Corrected and checked by the person: stored as they decided.
        await row.Locator("input[type=number]").FillAsync("24");
        await unit.CheckAsync($"input[name='ok.{Cases}']");
        await unit.ClickAsync("button[name=preview][value=false]");
        await unit.WaitForSelectorAsync("p.notice[role=status]");
        var stored = await new SubmissionService.SubmissionServiceClient(Server.Channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = Year }, As(tenant.Units["u1"]));
        Assert.Equal(24, stored.Values.Single(v => v.Code == Cases).Value);
    }

    [Fact]
    public async Task The_tenant_admin_keeps_the_roster_issues_a_key_shown_once_revokes_it_and_sets_the_distribution_list()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        var adminKey = (await new AdminService.AdminServiceClient(Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(Server.OperatorKey()))).Key;
        var admin = await SignInAsync(adminKey);
        await admin.GotoAsync("/admin");

        await admin.FillAsync("#county-id", "c2");
        await admin.FillAsync("#county-name", "乙县");
        await admin.ClickAsync("form[action*='handler=County'] button[type=submit]");
        await admin.WaitForSelectorAsync("p.notice[role=status]:has-text('已添加县（区）')");
        await admin.SelectOptionAsync("#unit-county", "c2");
        await admin.FillAsync("#unit-id", "sfj");
        await admin.FillAsync("#unit-name", "乙县司法局");
        await admin.ClickAsync("form[action*='handler=Unit'] button[type=submit]");
        await admin.WaitForSelectorAsync("p.notice[role=status]:has-text('已添加单位')");
        await admin.WaitForLoadStateAsync(LoadState.Load);
        Assert.Contains("乙县司法局（sfj）", await admin.InnerTextAsync("main"));

        // A key is shown once, on the answer to its issue; a reload shows it no more.
        await admin.SelectOptionAsync("#issue-role", "unit");
        await admin.FillAsync("#issue-county", "c2");
        await admin.FillAsync("#issue-unit", "sfj");
        await admin.FillAsync("#issue-name", "乙县司法局填报员");
        await admin.DblClickAsync("form[action*='handler=Issue'] button[type=submit]"); // twice: one key, the same one shown
        var key = await admin.InnerTextAsync("#issued-key");
        Assert.StartsWith("ak_", key, StringComparison.Ordinal);
        var listed = await new AdminService.AdminServiceClient(Server.Channel).ListCredentialsAsync(new ListCredentialsRequest { Tenant = tenant.Id, PageSize = 100 }, As(adminKey));
        Assert.Single(listed.Credentials, c => c.Name == "乙县司法局填报员");
        await admin.GotoAsync("/admin");
        Assert.DoesNotContain(key, await admin.ContentAsync(), StringComparison.Ordinal);

        var clerk = await SignInAsync(key);
        Assert.EndsWith($"/{Year}/form", clerk.Url);
        var id = await admin.GetAttributeAsync("tr:has-text('乙县司法局填报员')", "data-credential");
        await admin.ClickAsync($"tr[data-credential='{id}'] form[action*='handler=Revoke'] button");
        await admin.WaitForSelectorAsync("p.notice[role=status]:has-text('已吊销')");
        await clerk.ReloadAsync();
        Assert.Contains("/login", clerk.Url, StringComparison.Ordinal); // the revoked key's session ended

        // The distribution list takes an active leader key of the tenant.
        await admin.SelectOptionAsync("#issue-role", "leader");
        await admin.FillAsync("#issue-name", "测试市长");
        await admin.ClickAsync("form[action*='handler=Issue'] button[type=submit]");
        await admin.WaitForSelectorAsync("#issued-key");
        await admin.FillAsync("#r-id", "mayor");
        await admin.FillAsync("#r-person", "王市长");
        await admin.FillAsync("#r-office", "市人民政府");
        await admin.ClickAsync("form[action*='handler=Recipient'] button[type=submit]");
        await admin.WaitForSelectorAsync("p.notice[role=status]:has-text('已加入分发名单')");
        var profile = await new AdminService.AdminServiceClient(Server.Channel).GetTenantAsync(new GetTenantRequest { Tenant = tenant.Id }, As(adminKey));
        Assert.Equal("王市长", profile.Distribution.Single().Person);
    }

    [Fact]
    public async Task A_county_reminds_the_units_that_have_not_reported_and_the_ranking_page_carries_the_bulletins_charts()
    {
        var tenant = await TestTenant.CreateAsync(Server, Year);
        await new SubmissionService.SubmissionServiceClient(Server.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            SubmissionId = Guid.NewGuid().ToString(),
            Year = Year,
            Values = { new IndicatorValue { Code = Cases, Value = 4 } },
        }, As(tenant.Units["u1"]));
        var county = await SignInAsync(tenant.County);
        await county.ClickAsync("form[action*='handler=Remind'] button[type=submit]");
        var notice = await county.InnerTextAsync("p.notice[role=status]");
        Assert.Contains("二号单位（未报送）", notice); // the test tenant has no webhook: the list to call
        Assert.Contains("三号单位（未报送）", notice);

        var assessor = await SignInAsync(tenant.Assessor);
        await assessor.GotoAsync($"/{Year}/ranking");
        Assert.True(await assessor.Locator("figure.chart svg").CountAsync() >= 1);
        Assert.Contains("甲县", await assessor.InnerTextAsync("figure.chart"));
    }

    private static async Task<bool> TabToAsync(IPage page, string condition)
    {
        for (var i = 0; i < 300; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>(condition))
            {
                return true;
            }
        }

        return false;
    }
}
