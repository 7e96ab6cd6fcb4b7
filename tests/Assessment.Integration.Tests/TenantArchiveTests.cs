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
    [Fact]
    public async Task A_tenant_moves_to_another_deployment_whole_and_its_deletion_leaves_the_other_tenant_untouched()
    {
        _ = platform; // these servers provision their own PostgreSQL, as `make run` does
        var dataA = PostgresFixture.NewDataDir();
        var file = PostgresFixture.ScratchPath($"tenant-{Guid.NewGuid():N}.zip");
        PublishedYear published;
        Ranking seeded;
        IReadOnlyDictionary<string, string> keys;
        await using (var a = await StartAsync(new Settings("", dataA, PlatformFixture.SeedFile, Throwaway: false)))
        {
            keys = a.Keys();
            published = await PublishedYear.CreateAsync(a, withEvidence: true);
            var tenant = published.Tenant;
            seeded = await new AssessmentService.AssessmentServiceClient(a.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));

            // A tenant whose id begins with the other's: nothing of it may go with the archive or the deletion.
            var admin = new AdminService.AdminServiceClient(a.Channel);
            await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant.Id + "-x", Name = "近名市", Issuer = "近名市法治办", DocumentPrefix = "近法办", Recipients = "各县" }, As(a.OperatorKey()));
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant.Id + "-x", County = "c1", Name = "近名县" }, As(a.OperatorKey()));

            // Exported while the platform serves; deletion is refused while it runs.
            var export = await CommandAsync("tenant-export", tenant.Id, file, $"--DataDir={dataA}", "--Actor=测试运维");
            Assert.True(export.Exit == 0, export.Output);
            Assert.Contains("manifest SHA-256", export.Output, StringComparison.Ordinal);
            var running = await CommandAsync("tenant-delete", tenant.Id, $"--DataDir={dataA}", "--Reason=迁出");
            Assert.Equal(2, running.Exit);
            Assert.Contains("a platform runs on", running.Output, StringComparison.Ordinal);

            // The same database named by its connection string, as for an external one: the server's presence lock refuses.
            var port = await Server.Hosting.EmbeddedPostgres.RunningPortAsync(dataA);
            var external = await Server.Hosting.EmbeddedPostgres.ConnectionStringAsync(dataA, port!.Value);
            var beside = await CommandAsync("tenant-delete", tenant.Id, $"--Database:ConnectionString={external}", "--Reason=迁出");
            Assert.Equal(2, beside.Exit);
            Assert.Contains("a server holds it", beside.Output, StringComparison.Ordinal);
        }

        // Damaged and forged archives are refused whole: afterwards the real one still finds nothing of the tenant there.
        var moved = published.Tenant;
        var dataB = PostgresFixture.NewDataDir();
        var variants = HostileVariants(file, moved.Id).ToList();
        Assert.True(variants.Count >= 14);
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
            await published.AssertSameOnAsync(b);
            var rounds = new AssessmentService.AssessmentServiceClient(b.Channel);

            // Nothing of the other tenant came along.
            Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
                rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"])).ResponseAsync)).StatusCode);
        }

        // Deleted from the first deployment (stopped): a reason is required; the other tenant is as it was.
        var noReason = await CommandAsync("tenant-delete", moved.Id, $"--DataDir={dataA}");
        Assert.Equal(2, noReason.Exit);
        Assert.Contains("--Reason", noReason.Output, StringComparison.Ordinal);
        var deleted = await CommandAsync("tenant-delete", moved.Id, $"--DataDir={dataA}", "--Reason=迁至省级平台", "--Actor=测试运维");
        Assert.True(deleted.Exit == 0, deleted.Output);
        var again = await CommandAsync("tenant-delete", moved.Id, $"--DataDir={dataA}", "--Reason=迁至省级平台");
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
            foreach (var key in moved.Units.Values.Append(moved.Assessor).Append(moved.County))
            {
                Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
                    rounds.GetRoundAsync(new GetRoundRequest { Year = 2025 }, As(key)).ResponseAsync)).StatusCode);
            }

            Assert.Equal(PublishedYear.Standing(seeded), PublishedYear.Standing(await rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]))));
            var verify = await AssessCli.RunAsync(a, keys["assessor"], "audit", "verify", "--year", "2024");
            Assert.True(verify.Exit == 0, verify.Out + verify.Err);
            var sibling = await new AdminService.AdminServiceClient(a.Channel).GetTenantAsync(new GetTenantRequest { Tenant = moved.Id + "-x" }, As(a.OperatorKey()));
            Assert.Equal("近名县", sibling.Counties.Single().Name);

            // No row of any table still names the deleted tenant (its id as a whole word in the row's text), except the
            // platform chain's record of the deletion itself; found by scanning, not by the archive's own filters.
            var port = await Server.Hosting.EmbeddedPostgres.RunningPortAsync(dataA);
            await using var db = Npgsql.NpgsqlDataSource.Create(await Server.Hosting.EmbeddedPostgres.ConnectionStringAsync(dataA, port!.Value));
            var tables = new List<string>();
            await using (var list = db.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            Assert.Contains("county_states", tables);
            foreach (var table in tables)
            {
                var platformChain = table == "audit_entries" ? " AND chain <> '_platform/operations'" : "";
                await using var scan = db.CreateCommand($"SELECT count(*) FROM {table} x WHERE x::text ~ @word{platformChain}");
                scan.Parameters.AddWithValue("word", $"(^|[^a-z0-9-]){moved.Id}($|[^a-z0-9-])");
                Assert.True((long)(await scan.ExecuteScalarAsync())! == 0, $"{table} still holds rows of {moved.Id}");
            }
        }

        // The moved tenant can come back: deletion left nothing in the way.
        var back = await CommandAsync("tenant-import", file, $"--DataDir={dataA}");
        Assert.True(back.Exit == 0, back.Output);
    }

    /// <summary>Ids Orleans reads as numbers are refused for new tenants; the archive finds the grains of older ones.</summary>
    [Theory]
    [InlineData("540600")]
    [InlineData("abc")]
    [InlineData("0abc")]
    [InlineData("1")]
    [InlineData("ffffffffffffffff")]
    [InlineData("7fffffffffffffff")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0")]
    [InlineData("xz-540600")]
    [InlineData("naqu")]
    [InlineData("g")]
    public void A_tenant_id_is_stored_under_the_key_Orleans_gives_it(string id)
    {
        var grain = Orleans.Runtime.GrainId.Create("tenant", id);
        (long, long)? orleans = grain.TryGetGuidKey(out var guid, out _) ? (BitConverter.ToInt64(guid.ToByteArray(), 0), BitConverter.ToInt64(guid.ToByteArray(), 8))
            : grain.TryGetIntegerKey(out var number, out _) ? (0, number) : null;
        Assert.Equal(orleans, Server.Hosting.TenantArchive.StorageKey(id));
        Assert.Equal(orleans is not null, Domain.Keys.Slug.ReadsAsNumber(id));
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

        // A table file replaced, and the manifest made to agree with it (the hash detects damage, not a forger).
        Dictionary<string, byte[]> Rehashed(string table, byte[] bytes)
        {
            var changed = WithManifest(m => Entry(m, table)["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)));
            changed[$"tables/{table}.csv"] = bytes;
            return changed;
        }

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
        // An operator's key smuggled in: a directory row made an operator, and a credential grain's stored state made one.
        var directory = Encoding.UTF8.GetString(files["tables/credential_directory.csv"]).Split('\n');
        directory[1] = string.Join(',', directory[1].Split(',').Select((field, i) => i == 3 ? "Operator" : field));
        var forgedDirectory = Encoding.UTF8.GetBytes(string.Join('\n', directory));
        yield return ("a directory row made an operator", Zip(Rehashed("credential_directory", forgedDirectory)), "no tenant archive may bring in");
        var storage = Encoding.UTF8.GetString(files["tables/orleansstorage.csv"]).Split('\n');
        var credentialRow = Array.FindIndex(storage, line => line.Split(',') is { Length: 10 } f && f[4] == "credential");
        var fields = storage[credentialRow].Split(',');
        var payload = Encoding.UTF8.GetString(Convert.FromHexString(fields[7][2..]));
        Assert.Matches("\"Role\":[1-5]", payload);
        fields[7] = @"\x" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(payload, "\"Role\":[1-5]", "\"Role\":6")));
        storage[credentialRow] = string.Join(',', fields);
        yield return ("a credential's stored state made an operator", Zip(Rehashed("orleansstorage", Encoding.UTF8.GetBytes(string.Join('\n', storage)))), "no tenant archive may bring in");

        yield return ("a row count that lies", Zip(WithManifest(m => Entry(m, "county_states")["rows"] = (long)Entry(m, "county_states")["rows"]! + 1)), "its manifest says");
        yield return ("another schema version", Zip(WithManifest(m => m["schema"] = 9999)), "exported from schema version 9999");
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
