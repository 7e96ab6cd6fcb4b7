using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The yearly cycle over real gRPC on a real PostgreSQL, in its own year (2026) so the other tests' 2024 round stays
/// open: locks name their reason, adjustments reach the score, publication anchors the audit chains, and tampering with
/// the stored chain in the database is found at the exact entry by <c>assess audit verify</c>.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class WorkflowTests(PlatformFixture platform)
{
    private const int Year = 2026;
    private static readonly string[] Counties = ["alpha", "beta", "gamma"];

    private AssessmentService.AssessmentServiceClient Assessment => new(platform.Server.Channel);

    private CallOptions Assessor => As(platform.Keys["assessor"]);

    private async Task<SubmitIndicatorsResponse> SubmitAsync(string unit, double cases) =>
        await new SubmissionService.SubmissionServiceClient(platform.Server.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            SubmissionId = Guid.NewGuid().ToString(),
            Year = Year,
            Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
        }, As(platform.Keys[unit]));

    private static async Task RefusedAsync(string reason, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(reason, ex.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations.Single().Type);
    }

    [Fact]
    public async Task The_yearly_cycle_with_locks_adjustments_publication_and_a_tamper_evident_audit_chain()
    {
        // Draft: nothing can be submitted yet.
        var draft = await Assessment.DefineRoundAsync(new DefineRoundRequest
        {
            Year = Year,
            SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)),
        }, Assessor);
        Assert.Equal(("draft", true, false), (draft.Phase, draft.MayOpen, draft.MayClose));
        Assert.False((await Assessment.GetRoundAsync(new GetRoundRequest { Year = Year }, As(platform.Keys["leader"]))).MayOpen); // leaders only read
        await RefusedAsync("ROUND_NOT_OPEN", () => SubmitAsync("alpha/u1", 1));

        // Open, with optimistic concurrency: a stale version is ABORTED.
        var stale = await Assert.ThrowsAsync<RpcException>(() => Assessment.OpenRoundAsync(new RoundTransitionRequest { Year = Year, ExpectedVersion = draft.Version - 1 }, Assessor).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        var open = await Assessment.OpenRoundAsync(new RoundTransitionRequest { Year = Year, ExpectedVersion = draft.Version }, Assessor);
        Assert.Equal(("open", true), (open.Phase, open.MayClose));
        Assert.Equal(1, (await SubmitAsync("alpha/u1", 3)).Version);

        // 上报 by the county locks its units; the assessor adjusts and returns it with a reason.
        var submitted = await Assessment.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(platform.Keys["alpha"]));
        Assert.Equal(("submitted", false, false), (submitted.Status, submitted.MaySubmit, submitted.MayReturn)); // the county cannot return itself
        await RefusedAsync("COUNTY_SUBMITTED", () => SubmitAsync("alpha/u1", 4));
        var denied = await Assert.ThrowsAsync<RpcException>(() => Assessment.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "alpha", Reason = "x" }, As(platform.Keys["alpha"])).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var adjusted = await Assessment.AdjustScoreAsync(new AdjustScoreRequest
        {
            Year = Year,
            County = "alpha",
            Target = "org",
            Points = 1.5,
            Reason = "领导小组运行机制获省级推广",
            Evidence = "核查记录 2026-03",
            ExpectedVersion = submitted.Version,
        }, Assessor);
        Assert.Equal(1.5, Assert.Single(adjusted.Adjustments).Points);
        // Assessor-entered indicators take the same audited path, with a reason and the version they were based on.
        EnterAssessorValuesRequest Survey(int version, string reason) => new()
        {
            Year = Year,
            County = "alpha",
            SubmissionId = Guid.NewGuid().ToString(),
            Reason = reason,
            ExpectedVersion = version,
            Values = { new IndicatorValue { Code = "satisfaction.survey_score", Value = 85 } },
        };
        var staleEntry = await Assert.ThrowsAsync<RpcException>(() => Assessment.EnterAssessorValuesAsync(Survey(submitted.Version, "第三方测评"), Assessor).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, staleEntry.StatusCode);
        var noReasonEntry = await Assert.ThrowsAsync<RpcException>(() => Assessment.EnterAssessorValuesAsync(Survey(adjusted.Version, ""), Assessor).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noReasonEntry.StatusCode);
        var entered = await Assessment.EnterAssessorValuesAsync(Survey(adjusted.Version, "第三方测评"), Assessor);
        Assert.Equal(adjusted.Version + 1, entered.Version);

        var county = await Assessment.GetCountyAsync(new GetCountyRequest { Year = Year, County = "alpha" }, Assessor);
        Assert.Equal(1.5, county.Adjusted);
        Assert.Contains(county.Dimensions.SelectMany(d => d.Lines), l => l.Rule == "adjustment" && l.Explanation.Contains("领导小组运行机制获省级推广", StringComparison.Ordinal));
        Assert.Equal((true, true, false), (county.Workflow.MayReturn, county.Workflow.MayAdjust, county.Workflow.MaySubmit));
        var returned = await Assessment.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "alpha", Reason = "补充佐证材料" }, Assessor);
        Assert.Equal(("returned", "补充佐证材料"), (returned.Status, returned.ReturnReason));
        Assert.Equal(2, (await SubmitAsync("alpha/u1", 4)).Version);

        // Re-pinning needs a reason and is audited.
        var defaultYaml = File.ReadAllText(RepositoryFile("src", "Assessment.Domain", "Data", "default-scheme.yaml"));
        var noReason = await Assert.ThrowsAsync<RpcException>(() => Assessment.RepinSchemeAsync(new RepinSchemeRequest { Year = Year, SchemeYaml = defaultYaml }, Assessor).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        // The same code@version with other text is refused (the name stands for one text); a new version is re-pinned.
        var edited = defaultYaml.Replace("name: ", "name: 修订 ", StringComparison.Ordinal);
        var sameName = await Assert.ThrowsAsync<RpcException>(() => Assessment.RepinSchemeAsync(new RepinSchemeRequest { Year = Year, SchemeYaml = edited, Reason = "修订" }, Assessor).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, sameName.StatusCode);
        var nextVersion = System.Text.RegularExpressions.Regex.Replace(edited, @"(?m)^version: \d+", "version: 2");
        var repinned = await Assessment.RepinSchemeAsync(new RepinSchemeRequest { Year = Year, SchemeYaml = nextVersion, Reason = "按省厅口径重新固定细则" }, Assessor);
        Assert.Contains(repinned.Audit, a => a.Action == "repin_scheme" && a.Reason == "按省厅口径重新固定细则" && a.Actor.Contains("考核办", StringComparison.Ordinal));

        // Publication needs a closed round whose counties all passed review.
        await RefusedAsync("ROUND_NOT_CLOSED", () => Assessment.PublishRoundAsync(new PublishRoundRequest { Year = Year }, Assessor).ResponseAsync);
        await Assessment.CloseRoundAsync(new RoundTransitionRequest { Year = Year }, Assessor);
        await RefusedAsync("ROUND_CLOSED", () => SubmitAsync("beta/u4", 1));
        await RefusedAsync("COUNTIES_NOT_REVIEWED", () => Assessment.PublishRoundAsync(new PublishRoundRequest { Year = Year }, Assessor).ResponseAsync);
        foreach (var c in Counties)
        {
            await Assessment.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(platform.Keys[c]));
            await Assessment.ApproveCountyAsync(new CountyTransitionRequest { Year = Year, County = c }, Assessor);
        }

        var published = await Assessment.PublishRoundAsync(new PublishRoundRequest { Year = Year }, Assessor);
        Assert.Equal(("published", true), (published.Phase, published.Published));
        Assert.Equal(3, published.Completeness.Published);
        await RefusedAsync("ROUND_PUBLISHED", () => Assessment.RepinSchemeAsync(new RepinSchemeRequest { Year = Year, SchemeYaml = defaultYaml, Reason = "改" }, Assessor).ResponseAsync);
        await RefusedAsync("ROUND_PUBLISHED", () => SubmitAsync("alpha/u1", 5));

        // The bulletin carries the adjustment in its annex; each county's chain head as published, and the issued
        // documents' hashes, are on the assessors' verification sheet, not in what leaders receive.
        var bulletins = new BulletinService.BulletinServiceClient(platform.Server.Channel);
        var issued = await bulletins.RenderAsync(new RenderBulletinRequest { Year = Year, Format = BulletinFormat.Markdown }, Assessor);
        var bulletin = issued.Content;
        var alphaHead = (await Assessment.ListAuditAsync(new ListAuditRequest { Year = Year, County = "alpha", PageSize = 1 }, Assessor)).AnchoredHead;
        Assert.DoesNotContain(alphaHead.Hash, bulletin, StringComparison.Ordinal);
        Assert.Contains("| +1.5 | 领导小组运行机制获省级推广 | 核查记录 2026-03 |", bulletin, StringComparison.Ordinal);
        var sheet = (await bulletins.RenderAsync(new RenderBulletinRequest { Year = Year, Format = BulletinFormat.Verification }, Assessor)).Content;
        Assert.Contains($"| {alphaHead.Count} | {alphaHead.Hash} |", sheet, StringComparison.Ordinal);
        Assert.Contains($"| {issued.DocumentNumber} Markdown | {issued.Sha256} |", sheet, StringComparison.Ordinal);
        var leader = await Assert.ThrowsAsync<RpcException>(() => bulletins.RenderAsync(new RenderBulletinRequest { Year = Year, Format = BulletinFormat.Verification }, As(platform.Keys["leader"])).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, leader.StatusCode);
        var cliSheet = await AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], "bulletin", "--year", "2026", "--format", "verify");
        Assert.Contains(alphaHead.Hash, cliSheet.Out, StringComparison.Ordinal);

        // The anchored chains verify on the user's machine.
        var verify = await AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], "audit", "verify", "--year", "2026");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Contains("全部 3 条审计链完整", verify.Out, StringComparison.Ordinal);
        var list = await AssessCli.RunAsync(platform.Server, platform.Keys["alpha"], "audit", "list", "--year", "2026");
        Assert.Contains("领导小组运行机制获省级推广", list.Out, StringComparison.Ordinal);

        await TamperingIsFoundAtTheExactEntryAsync();
    }

    /// <summary>Changes the stored chain of alpha behind the platform's back, one way at a time, and restores it.</summary>
    private async Task TamperingIsFoundAtTheExactEntryAsync()
    {
        const string chain = "itest/alpha/2026";
        await using var db = NpgsqlDataSource.Create(platform.Server.Config.ConnectionString);
        var rows = new List<(int Idx, string Prev, string Body, string Hash)>();
        await using (var read = db.CreateCommand($"SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = '{chain}' ORDER BY idx"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        Assert.True(rows.Count >= 8, $"only {rows.Count} entries");
        var last = rows.Count - 1;
        var middle = rows.Count / 2;

        // The database refuses every change of the chain (migration 0013); the tampering below plays an owner of the
        // table who turns that off first.
        foreach (var refused in new[] { $"UPDATE audit_entries SET body = body WHERE chain = '{chain}' AND idx = 0", $"DELETE FROM audit_entries WHERE chain = '{chain}' AND idx = {rows.Count - 1}", "TRUNCATE audit_entries" })
        {
            await using var change = db.CreateCommand(refused);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => change.ExecuteNonQueryAsync());
            Assert.Equal("AS002", ex.SqlState);
        }

        async Task ExpectBrokenAtAsync(int index, string sql, string? problem = null)
        {
            await using (var off = db.CreateCommand("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            {
                await off.ExecuteNonQueryAsync();
            }

            await using (var tamper = db.CreateCommand(sql))
            {
                Assert.True(await tamper.ExecuteNonQueryAsync() > 0, sql);
            }

            var result = await AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], "audit", "verify", "--year", "2026", "--county", "alpha");
            Assert.True(result.Exit == 6, $"{sql}\n{result.Out}{result.Err}");
            Assert.Contains($"第 {index} 条起不可信", result.Out, StringComparison.Ordinal);
            if (problem is not null)
            {
                Assert.Contains(problem, result.Out, StringComparison.Ordinal);
            }

            // Restore the original rows.
            await using var restore = db.CreateCommand($"DELETE FROM audit_entries WHERE chain = '{chain}'");
            await restore.ExecuteNonQueryAsync();
            foreach (var r in rows)
            {
                await using var insert = db.CreateCommand("INSERT INTO audit_entries (chain, idx, prev_hash, body, hash) VALUES (@c, @i, @p, @b, @h)");
                insert.Parameters.AddWithValue("c", chain);
                insert.Parameters.AddWithValue("i", r.Idx);
                insert.Parameters.AddWithValue("p", r.Prev);
                insert.Parameters.AddWithValue("b", r.Body);
                insert.Parameters.AddWithValue("h", r.Hash);
                await insert.ExecuteNonQueryAsync();
            }

            await using var on = db.CreateCommand("ALTER TABLE audit_entries ENABLE TRIGGER USER");
            await on.ExecuteNonQueryAsync();
        }

        // One changed character anywhere: in the first, a middle and the last entry, in the text and in a stored hash.
        foreach (var (index, position) in new[] { (0, 3), (middle, rows[middle].Body.Length / 2), (last, rows[last].Body.Length - 2) })
        {
            var body = rows[index].Body;
            var changed = body[..position] + (body[position] == '0' ? '1' : '0') + body[(position + 1)..];
            await ExpectBrokenAtAsync(index, $"UPDATE audit_entries SET body = '{changed.Replace("'", "''", StringComparison.Ordinal)}' WHERE chain = '{chain}' AND idx = {index}", "被改动");
        }

        await ExpectBrokenAtAsync(middle, $"UPDATE audit_entries SET hash = '{new string('f', 64)}' WHERE chain = '{chain}' AND idx = {middle}");
        // A deleted entry, and two entries swapped.
        await ExpectBrokenAtAsync(middle, $"DELETE FROM audit_entries WHERE chain = '{chain}' AND idx = {middle}", "缺失");
        await ExpectBrokenAtAsync(2, $"""
            UPDATE audit_entries a SET prev_hash = b.prev_hash, body = b.body, hash = b.hash
              FROM audit_entries b
             WHERE a.chain = '{chain}' AND b.chain = '{chain}' AND ((a.idx = 2 AND b.idx = 5) OR (a.idx = 5 AND b.idx = 2))
            """);
        // Removing the tail leaves a valid shorter chain: only the anchored head reveals it.
        await ExpectBrokenAtAsync(last - 1, $"DELETE FROM audit_entries WHERE chain = '{chain}' AND idx >= {last - 1}", "截断");

        var intact = await AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], "audit", "verify", "--year", "2026", "--county", "alpha");
        Assert.Equal(0, intact.Exit);
    }
}
