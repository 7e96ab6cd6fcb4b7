using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Moving a tenant to another deployment and deleting one (docs/operations.md): the archive taken while the platform
/// serves, loaded into a new deployment that then ranks, prints and verifies the year exactly as the old one; damaged or
/// forged archives refused whole; deletion leaving the other tenant as it was, and both acts in the platform's chain.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TenantArchiveTests(PlatformFixture platform)
{
    private static IEnumerable<(int, string, double, string)> Standing(Ranking ranking) =>
        ranking.Entries.Select(e => (e.Rank, e.County, Math.Round(e.Total, 6), e.Grade));

    [Fact]
    public async Task A_tenant_moves_to_another_deployment_whole_and_its_deletion_leaves_the_other_tenant_untouched()
    {
        _ = platform; // these servers provision their own PostgreSQL, as `make run` does
        var dataA = PostgresFixture.NewDataDir();
        var file = PostgresFixture.ScratchPath($"tenant-{Guid.NewGuid():N}.zip");
        TestTenant tenant;
        Ranking ranking, seeded;
        RenderedBulletin bulletin;
        BulletinStatus status;
        Contracts.V1.AuditHead head;
        IReadOnlyDictionary<string, string> keys;
        await using (var a = await StartAsync(new Settings("", dataA, PlatformFixture.SeedFile, Throwaway: false)))
        {
            keys = a.Keys();
            tenant = await TestTenant.CreateAsync(a, 2025);
            var submissions = new SubmissionService.SubmissionServiceClient(a.Channel);
            foreach (var (unit, cases) in new[] { ("u1", 17.0), ("u2", 4.0) })
            {
                await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
                {
                    Year = 2025,
                    SubmissionId = Guid.NewGuid().ToString(),
                    Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
                }, As(tenant.Units[unit]));
            }

            await tenant.ReviewAndCloseAsync(a, 2025);
            var rounds = new AssessmentService.AssessmentServiceClient(a.Channel);
            await rounds.PublishRoundAsync(new PublishRoundRequest { Year = 2025, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
            ranking = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor));
            var bulletins = new BulletinService.BulletinServiceClient(a.Channel);
            bulletin = await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
            status = await bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
            head = (await rounds.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head;
            seeded = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));

            // Exported while the platform serves; deletion is refused while it runs.
            var export = await CommandAsync("tenant-export", tenant.Id, file, $"--DataDir={dataA}", "--Actor=测试运维");
            Assert.True(export.Exit == 0, export.Output);
            Assert.Contains("manifest SHA-256", export.Output, StringComparison.Ordinal);
            var running = await CommandAsync("tenant-delete", tenant.Id, $"--DataDir={dataA}", "--Reason=迁出");
            Assert.Equal(2, running.Exit);
            Assert.Contains("a platform runs on", running.Output, StringComparison.Ordinal);
        }

        // Damaged and forged archives are refused whole: afterwards the real one still finds nothing of the tenant there.
        var dataB = PostgresFixture.NewDataDir();
        var variants = HostileVariants(file, tenant.Id).ToList();
        Assert.True(variants.Count >= 9);
        foreach (var (name, bytes, expected) in variants)
        {
            var hostile = PostgresFixture.ScratchPath($"hostile-{Guid.NewGuid():N}.zip");
            await File.WriteAllBytesAsync(hostile, bytes);
            var refused = await CommandAsync("tenant-import", hostile, $"--DataDir={dataB}");
            Assert.True(refused.Exit == 2, $"{name}: {refused.Output}");
            Assert.True(refused.Output.Contains(expected, StringComparison.Ordinal), $"{name}: expected \"{expected}\" in {refused.Output}");
            Assert.DoesNotContain("   at ", refused.Output, StringComparison.Ordinal);
        }

        var imported = await CommandAsync("tenant-import", file, $"--DataDir={dataB}", "--Actor=测试运维");
        Assert.True(imported.Exit == 0, imported.Output);
        var twice = await CommandAsync("tenant-import", file, $"--DataDir={dataB}");
        Assert.Equal(2, twice.Exit);
        Assert.Contains("already has data here", twice.Output, StringComparison.Ordinal);

        await using (var b = await StartAsync(new Settings("", dataB, null, Throwaway: false)))
        {
            // The tenant's own keys work there, and its year is the same year.
            var rounds = new AssessmentService.AssessmentServiceClient(b.Channel);
            Assert.Equal(Standing(ranking), Standing(await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor))));
            var bulletins = new BulletinService.BulletinServiceClient(b.Channel);
            var moved = await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
            Assert.Equal((bulletin.Sha256, bulletin.DocumentNumber, bulletin.Content), (moved.Sha256, moved.DocumentNumber, moved.Content));
            var movedStatus = await bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
            Assert.Equal(
                status.Editions.Select(e => (e.DocumentNumber, e.HtmlSha256, e.MarkdownSha256, e.ModelSha256, e.Receipts.Count)),
                movedStatus.Editions.Select(e => (e.DocumentNumber, e.HtmlSha256, e.MarkdownSha256, e.ModelSha256, e.Receipts.Count)));
            var movedHead = (await rounds.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head;
            Assert.Equal((head.Count, head.Hash), (movedHead.Count, movedHead.Hash));
            var verify = await AssessCli.RunAsync(b, tenant.Assessor, "audit", "verify", "--year", "2025");
            Assert.True(verify.Exit == 0, verify.Out + verify.Err);

            // Nothing of the other tenant came along.
            Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
                rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"])).ResponseAsync)).StatusCode);
        }

        // Deleted from the first deployment (stopped): a reason is required; the other tenant is as it was.
        var noReason = await CommandAsync("tenant-delete", tenant.Id, $"--DataDir={dataA}");
        Assert.Equal(2, noReason.Exit);
        Assert.Contains("--Reason", noReason.Output, StringComparison.Ordinal);
        var deleted = await CommandAsync("tenant-delete", tenant.Id, $"--DataDir={dataA}", "--Reason=迁至省级平台", "--Actor=测试运维");
        Assert.True(deleted.Exit == 0, deleted.Output);
        var again = await CommandAsync("tenant-delete", tenant.Id, $"--DataDir={dataA}", "--Reason=迁至省级平台");
        Assert.Equal(2, again.Exit);
        Assert.Contains("has no tenant", again.Output, StringComparison.Ordinal);

        var log = await CommandAsync("operations-log", $"--DataDir={dataA}");
        Assert.True(log.Exit == 0, log.Output);
        Assert.Contains("tenant_export", log.Output, StringComparison.Ordinal);
        Assert.Contains("tenant_delete", log.Output, StringComparison.Ordinal);
        Assert.Contains("迁至省级平台", log.Output, StringComparison.Ordinal);
        Assert.Contains("2 entries, chain intact.", log.Output, StringComparison.Ordinal);

        await using (var a = await StartAsync(new Settings("", dataA, null, Throwaway: false)))
        {
            var rounds = new AssessmentService.AssessmentServiceClient(a.Channel);
            foreach (var key in tenant.Units.Values.Append(tenant.Assessor).Append(tenant.County))
            {
                Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
                    rounds.GetRoundAsync(new GetRoundRequest { Year = 2025 }, As(key)).ResponseAsync)).StatusCode);
            }

            Assert.Equal(Standing(seeded), Standing(await rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]))));
            var verify = await AssessCli.RunAsync(a, keys["assessor"], "audit", "verify", "--year", "2024");
            Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        }

        // The moved tenant can come back: deletion left nothing in the way.
        var back = await CommandAsync("tenant-import", file, $"--DataDir={dataA}");
        Assert.True(back.Exit == 0, back.Output);
    }

    /// <summary>
    /// Archives that must be refused, each made from the real one: a byte changed in every table file, a row of another
    /// tenant with the manifest re-hashed to match, a row count that lies, a newer schema or format, files missing or
    /// unlisted, and things that are not a tenant archive at all.
    /// </summary>
    private static IEnumerable<(string Name, byte[] Bytes, string Expected)> HostileVariants(string file, string tenant)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var zip = ZipFile.OpenRead(file))
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                files[entry.FullName] = copy.ToArray();
            }
        }

        var manifest = JsonNode.Parse(files["manifest.json"])!;
        byte[] Zip(IReadOnlyDictionary<string, byte[]> entries)
        {
            using var output = new MemoryStream();
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, bytes) in entries)
                {
                    using var stream = zip.CreateEntry(name).Open();
                    stream.Write(bytes);
                }
            }

            return output.ToArray();
        }

        Dictionary<string, byte[]> With(string name, byte[] bytes) => new(files, StringComparer.Ordinal) { [name] = bytes };
        Dictionary<string, byte[]> WithManifest(Action<JsonNode> change)
        {
            var copy = JsonNode.Parse(manifest.ToJsonString())!;
            change(copy);
            return With("manifest.json", Encoding.UTF8.GetBytes(copy.ToJsonString()));
        }

        JsonNode Entry(JsonNode m, string table) => m["tables"]!.AsArray().Single(t => (string)t!["name"]! == table)!;

        foreach (var table in manifest["tables"]!.AsArray().Where(t => (long)t!["rows"]! > 0).Select(t => (string)t!["file"]!))
        {
            var bytes = (byte[])files[table].Clone();
            bytes[^2] ^= 0x01; // inside the last row, never the header
            yield return ($"a byte changed in {table}", Zip(With(table, bytes)), "does not have the SHA-256");
        }

        // A row of another tenant, the manifest made to agree with it.
        var receipts = Encoding.UTF8.GetString(files["tables/unit_receipts.csv"]);
        var firstRow = receipts.Split('\n')[1];
        var forged = Encoding.UTF8.GetBytes(receipts + "zz-other" + firstRow[tenant.Length..] + "\n");
        var forgedFiles = WithManifest(m =>
        {
            Entry(m, "unit_receipts")["rows"] = (long)Entry(m, "unit_receipts")["rows"]! + 1;
            Entry(m, "unit_receipts")["sha256"] = Convert.ToHexStringLower(SHA256.HashData(forged));
        });
        forgedFiles["tables/unit_receipts.csv"] = forged;
        yield return ("a row of another tenant", Zip(forgedFiles), "rows that are not tenant");
        yield return ("a row count that lies", Zip(WithManifest(m => Entry(m, "county_states")["rows"] = (long)Entry(m, "county_states")["rows"]! + 1)), "its manifest says");
        yield return ("a newer schema", Zip(WithManifest(m => m["schema"] = 9999)), "newer release");
        yield return ("another format", Zip(WithManifest(m => m["format"] = 2)), "not a tenant archive of format");
        yield return ("a tenant that is no slug", Zip(WithManifest(m => m["tenant"] = "../etc")), "names no valid tenant");
        yield return ("a table left out", Zip(WithManifest(m => m["tables"]!.AsArray().RemoveAt(0))), "does not list");
        yield return ("a listed file missing", Zip(files.Where(f => f.Key != "tables/audit_entries.csv").ToDictionary()), "lacks tables/audit_entries.csv");
        yield return ("no manifest", Zip(files.Where(f => f.Key != "manifest.json").ToDictionary()), "has no manifest.json");
        yield return ("a manifest that is not JSON", Zip(With("manifest.json", "{\"format\": 1, "u8.ToArray())), "is not readable");
        yield return ("not a ZIP", Encoding.UTF8.GetBytes("tenant,year\n"), "Cannot tenant-import");
        yield return ("too many files", Zip(Enumerable.Range(0, 70).ToDictionary(i => $"extra/{i}.csv", _ => Array.Empty<byte>())), "at most 64");
    }
}
