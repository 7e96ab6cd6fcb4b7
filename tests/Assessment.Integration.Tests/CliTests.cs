using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>The <c>assess</c> CLI as a user runs it, against the real server.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliTests(PlatformFixture platform)
{
    private Task<(int Exit, string Out, string Err)> Assess(string key, params string[] args) => AssessCli.RunAsync(platform.Server, key, args);

    [Fact]
    public async Task Submit_retries_safely_and_reports_bad_values_field_by_field()
    {
        var file = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "year: 2024\nvalues:\n  legalaid.documents_drafted: 5\n  legalaid.cases: ~\n");
        var first = await Assess(platform.Keys["beta/u6"], "submit", file);
        var second = await Assess(platform.Keys["beta/u6"], "submit", file);
        Assert.Equal(0, first.Exit);
        Assert.Contains("已受理并持久保存", first.Out, StringComparison.Ordinal);
        Assert.Contains("重复提交未重复计入", second.Out, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, "year: 2024\nvalues:\n  legalaid.documents_drafted: -5\n  bogus.code: 1\n");
        var bad = await Assess(platform.Keys["beta/u6"], "submit", file);
        Assert.Equal(4, bad.Exit);
        Assert.Contains("values[0].value", bad.Err, StringComparison.Ordinal);
        Assert.Contains("values[1].code", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_failure_is_one_or_two_chinese_lines_with_its_exit_code_and_no_stack_trace()
    {
        var unit = platform.Keys["gamma/u1"];
        int freePort;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            freePort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var file = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        var broken = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "year: 2033\nvalues:\n  legalaid.cases: 3\n");
        await File.WriteAllTextAsync(broken, "year: 2024\nvalues: [1, 2\n");
        var word = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(word, "year: 2024\nvalues:\n  legalaid.cases: abc\n");
        (string Why, int Exit, string Says, Task<(int Exit, string Out, string Err)> Run)[] cases =
        [
            ("server down", 7, $"127.0.0.1:{freePort}", Assess(unit, "ranking", "--year", "2024", "--url", $"http://127.0.0.1:{freePort}")),
            ("address without a scheme", 2, "http://", Assess(unit, "ranking", "--year", "2024", "--url", "127.0.0.1:5100")),
            ("the web port named", 2, "网页端口", Assess(unit, "submit", file, "--url", $"http://127.0.0.1:{platform.Server.Config.WebPort}")),
            ("an unknown key", 3, "密钥", Assess("ak_" + new string('a', 52), "ranking", "--year", "2024")),
            ("a unit asking for the ranking", 3, "无权", Assess(unit, "ranking", "--year", "2024")),
            ("malformed YAML", 4, "YAML 格式错误", Assess(unit, "submit", broken)),
            // An invalid value is 4 whatever the file (YAML here, Excel in the workbook tests), said once.
            ("a word for a count in YAML", 4, "abc", Assess(unit, "submit", word)),
            ("the same, as a dry run", 4, "abc", Assess(unit, "submit", word, "--dry-run")),
            ("a round that is already open", 5, "已开启", Assess(platform.Keys["assessor"], "round", "open", "--year", "2024")),
            ("a year without a round", 5, "尚未开启", Assess(unit, "submit", file)),
            ("the same, as a dry run", 5, "尚未开启", Assess(unit, "submit", file, "--dry-run")),
        ];
        foreach (var (why, exit, says, run) in cases)
        {
            var result = await run;
            Assert.True(result.Exit == exit, $"{why}: exit {result.Exit}, expected {exit}\n{result.Out}{result.Err}");
            Assert.True((result.Out + result.Err).Contains(says, StringComparison.Ordinal), $"{why}: does not say {says}\n{result.Out}{result.Err}");
            Assert.DoesNotContain("   at ", result.Out + result.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.Out + result.Err, StringComparison.Ordinal);
            // Said once, in words: no machine code (ROUND_NOT_OPEN) and no line twice.
            Assert.DoesNotMatch("[A-Z]{3,}_[A-Z_]+", result.Err.Replace("ASSESS_URL", "", StringComparison.Ordinal).Replace("ASSESS_KEY", "", StringComparison.Ordinal));
            var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == lines.Distinct().Count(), $"{why}: a line is repeated\n{result.Err}");
        }

        // --verbose shows the technical detail for the operator.
        var verbose = await Assess(unit, "ranking", "--year", "2024", "--url", $"http://127.0.0.1:{freePort}", "--verbose");
        Assert.Contains("Exception", verbose.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whoami_names_the_keys_role_and_scope_and_catalog_lists_what_a_unit_reports()
    {
        var me = await Assess(platform.Keys["gamma/u1"], "whoami");
        Assert.Equal(0, me.Exit);
        Assert.Contains("角色：填报单位（unit）", me.Out, StringComparison.Ordinal);
        Assert.Contains("平安县（gamma）", me.Out, StringComparison.Ordinal);
        Assert.Contains("一号单位（u1）", me.Out, StringComparison.Ordinal);
        Assert.Contains("测试市（itest）", me.Out, StringComparison.Ordinal);

        var all = await Assess(platform.Keys["assessor"], "catalog");
        Assert.Equal(0, all.Exit);
        Assert.Contains("org.leading_group", all.Out, StringComparison.Ordinal);
        Assert.Contains("法律援助案件数", all.Out, StringComparison.Ordinal);
        var mine = await Assess(platform.Keys["gamma/u1"], "catalog", "--mine");
        Assert.Equal(0, mine.Exit);
        Assert.Contains("legalaid.cases", mine.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("org.leading_group", mine.Out, StringComparison.Ordinal); // the county reports it, not a unit
        Assert.Equal(2, (await Assess(platform.Keys["assessor"], "catalog", "--mine")).Exit);
    }

    [Fact]
    public async Task Exports_open_again_as_the_ranking_with_chinese_headers_numbers_as_numbers_and_a_frozen_header()
    {
        var xlsx = PostgresFixture.ScratchPath($"ranking-{Guid.NewGuid():N}.xlsx");
        var csv = PostgresFixture.ScratchPath($"ranking-{Guid.NewGuid():N}.csv");
        Assert.Equal(0, (await Assess(platform.Keys["assessor"], "export", "ranking", "--year", "2024", "-o", xlsx)).Exit);
        Assert.Equal(0, (await Assess(platform.Keys["assessor"], "export", "ranking", "--year", "2024", "--format", "csv", "-o", csv)).Exit);
        var ranking = await new Contracts.V1.AssessmentService.AssessmentServiceClient(platform.Server.Channel)
            .GetRankingAsync(new Contracts.V1.GetRankingRequest { Year = 2024 }, ServerProcess.As(platform.Keys["assessor"]));

        var rows = MiniExcelLibs.MiniExcel.Query(xlsx, useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(ranking.Entries.Select(e => e.Name), rows.Select(r => (string)r["县（区）"]));
        Assert.Equal(ranking.Entries.Select(e => e.Total), rows.Select(r => Assert.IsType<double>(r["总分"])));
        Assert.Contains(ranking.Dimensions[0].Name, rows[0].Keys);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(xlsx))
        {
            using var sheet = new StreamReader(zip.Entries.First(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal)).Open());
            var xml = await sheet.ReadToEndAsync();
            Assert.Contains("ySplit=\"1\"", xml, StringComparison.Ordinal); // the header row stays in view
            Assert.Matches("<(\\w+:)?col [^>]*width=", xml);                  // widths set for CJK text
        }

        var bytes = await File.ReadAllBytesAsync(csv);
        Assert.True(bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "CSV starts with a UTF-8 BOM so Excel reads it as UTF-8");
        var lines = System.Text.Encoding.UTF8.GetString(bytes.AsSpan(3)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("排名,县（区）,", lines[0], StringComparison.Ordinal);
        Assert.Equal(ranking.Entries.Count + 1, lines.Length);
        Assert.Contains(",<script>alert(1)</script>区,", string.Join('\n', lines), StringComparison.Ordinal); // hostile names stay text
    }

    [Fact]
    public async Task Sending_yesterdays_file_again_after_a_change_stores_it_as_a_new_version()
    {
        var key = platform.Keys["alpha/u6"];
        var monday = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        var tuesday = PostgresFixture.ScratchPath($"assess-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(monday, "year: 2024\nvalues:\n  legalaid.cases: 7\n");
        await File.WriteAllTextAsync(tuesday, "year: 2024\nvalues:\n  legalaid.cases: 8\n");

        Assert.Contains("已受理并持久保存", (await Assess(key, "submit", monday)).Out, StringComparison.Ordinal);
        Assert.Contains("重复提交未重复计入", (await Assess(key, "submit", monday)).Out, StringComparison.Ordinal); // still the latest: a replay
        Assert.Contains("已受理并持久保存", (await Assess(key, "submit", tuesday)).Out, StringComparison.Ordinal);
        var revert = await Assess(key, "submit", monday); // Monday's figures again, on purpose
        Assert.Contains("已受理并持久保存", revert.Out, StringComparison.Ordinal);
        Assert.Contains("更新 1", revert.Out, StringComparison.Ordinal);

        var mine = await new Contracts.V1.SubmissionService.SubmissionServiceClient(platform.Server.Channel)
            .GetMySubmissionsAsync(new Contracts.V1.GetMySubmissionsRequest { Year = 2024 }, ServerProcess.As(key));
        Assert.Equal(7, mine.Values.Single(v => v.Code == "legalaid.cases").Value);
        Assert.Equal(3, mine.Version);
    }

    [Fact]
    public async Task Ranking_and_scheme_simulate_print_tables()
    {
        var ranking = await Assess(platform.Keys["assessor"], "ranking", "--year", "2024");
        Assert.Equal(0, ranking.Exit);
        Assert.Contains("平安县", ranking.Out, StringComparison.Ordinal);

        var draft = PostgresFixture.ScratchPath($"draft-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(draft, """
            code: cli
            version: 1
            name: 命令行试算
            dimensions:
              - code: satisfaction
                name: 群众满意度
                weight: 100
                lines:
                  - { indicator: satisfaction.survey_score, points: 100, rule: linear, lo: 0, hi: 100 }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 不合格, min: 0 }
            """);
        var simulated = await Assess(platform.Keys["assessor"], "scheme", "simulate", "--scheme", draft, "--year", "2024");
        Assert.Equal(0, simulated.Exit);
        Assert.Contains("cli@1", simulated.Out, StringComparison.Ordinal);
        Assert.Contains("等次分布：优秀 1 个，不合格 2 个", simulated.Out, StringComparison.Ordinal);

        var noKey = await Assess("", "ranking", "--year", "2024");
        Assert.NotEqual(0, noKey.Exit);
    }

    [Fact]
    public async Task Submit_from_report_extracts_shows_and_submits_what_the_unit_may_report()
    {
        var report = PostgresFixture.ScratchPath($"report-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(report, "2024年，共受理矛盾纠纷20件，调解成功19件。县政府召开常务会议、法治专题会议3次。");
        var refused = await Assess(platform.Keys["beta/u5"], "submit", "--from-report", report, "--year", "2024");
        Assert.Equal(2, refused.Exit); // neither --confirm nor --yes

        var submitted = await Assess(platform.Keys["beta/u5"], "submit", "--from-report", report, "--year", "2024", "--yes");
        Assert.Equal(0, submitted.Exit);
        Assert.Contains("受理矛盾纠纷20件", submitted.Out, StringComparison.Ordinal);
        Assert.Contains("新增 2", submitted.Out, StringComparison.Ordinal); // the county-level meetings figure is left out
        var again = await Assess(platform.Keys["beta/u5"], "submit", "--from-report", report, "--year", "2024", "--yes");
        Assert.Contains("重复提交未重复计入", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_prints_json_and_evaluates_a_folder_of_labelled_reports()
    {
        var fixtures = ServerProcess.RepositoryFile("tests", "Assessment.Domain.Tests", "Fixtures", "reports", "suo-2024.txt");
        var json = await Assess("", "extract", fixtures, "--json", "--year", "2024");
        Assert.Equal(0, json.Exit);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Equal(72, doc.RootElement.GetProperty("values").GetProperty("mediation.disputes_received").GetDouble());
        Assert.Equal("受理各类矛盾纠纷72件", doc.RootElement.GetProperty("evidence").GetProperty("mediation.disputes_received").GetString());

        var eval = await Assess("", "extract", "--eval", Path.GetDirectoryName(fixtures)!);
        Assert.Equal(0, eval.Exit);
        Assert.Matches(@"precision \d\.\d{3}  recall \d\.\d{3}  F1 \d\.\d{3}", eval.Out);
    }

    [Fact]
    public async Task An_operator_key_manages_tenants_and_keys_from_the_command_line()
    {
        var op = platform.Server.OperatorKey();
        var tenant = $"cli{Guid.NewGuid():N}"[..12];
        var created = await Assess(op, "admin", "tenant", "create", "--id", tenant, "--name", "命令行市", "--issuer", "命令行市法治办", "--prefix", "命法办");
        Assert.True(created.Exit == 0, created.Err);
        Assert.Equal(0, (await Assess(op, "admin", "county", "add", "--tenant", tenant, "--county", "c1", "--name", "甲县")).Exit);
        Assert.Equal(0, (await Assess(op, "admin", "unit", "add", "--tenant", tenant, "--county", "c1", "--unit", "u1", "--name", "甲单位")).Exit);
        var issued = await Assess(op, "admin", "key", "issue", "--tenant", tenant, "--role", "unit", "--county", "c1", "--unit", "u1", "--name", "填报员");
        Assert.Contains("只显示这一次", issued.Out, StringComparison.Ordinal);
        var key = System.Text.RegularExpressions.Regex.Match(issued.Out, "ak_[a-z2-7]+").Value;
        var id = System.Text.RegularExpressions.Regex.Match(issued.Out, "编号 ([0-9a-f]{16})").Groups[1].Value;

        var list = await Assess(op, "admin", "key", "list", "--tenant", tenant);
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("ak_", list.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Assess(key, "submit", "--help")).Exit);
        Assert.Equal(0, (await Assess(op, "admin", "key", "revoke", id, "--tenant", tenant)).Exit);
        var refused = await Assess(op, "admin", "key", "revoke", "0123456789abcdef", "--tenant", tenant);
        Assert.Equal(4, refused.Exit);
        Assert.Contains("没有该凭据", refused.Err, StringComparison.Ordinal);
        var duplicate = await Assess(op, "admin", "tenant", "create", "--id", tenant, "--name", "x", "--issuer", "x", "--prefix", "x");
        Assert.Equal(4, duplicate.Exit);
    }
}
