using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Audit;
using Assessment.Grains.Grains;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Npgsql;
using Orleans.Storage;

namespace Assessment.Integration.Tests;

/// <summary>
/// The county grains' storage (migrations 0008, 0010): a write stores the state, the county's scoring facts, its
/// overview line and the write's audit entries in one transaction, or nothing; rows written by Orleans' storage before
/// it are carried over.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CountyStorageTests(PlatformFixture platform)
{
    private static readonly GrainId Grain = GrainId.Create("county", "tn/c1/2024");

    [Fact]
    public async Task A_write_stores_state_facts_and_audit_entries_together_and_a_stale_or_conflicting_write_stores_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var storage = new PostgresCountyStorage(dataSource);

        var state = new CountyState { Revision = 3 };
        state.Cells["org.meetings"] = new AggregateCell { Sum = 5, Reporters = 1 };
        var first = Entry(AuditHead.Empty, "u1@1");
        state.PendingAudit.Add(first);
        state.AuditCount = 1;
        state.AuditHash = first.Hash;
        var grainState = new GrainState<CountyState>(state);
        await storage.WriteStateAsync("county", Grain, grainState);

        // The entries are in the log, not in the stored state; the written list is emptied to say so.
        Assert.Empty(state.PendingAudit);
        Assert.Equal("1", grainState.ETag);
        Assert.Equal([first], await new PostgresAuditLog(dataSource).ReadAsync("tn/c1/2024", 0, 10));
        var read = new GrainState<CountyState>();
        await storage.ReadStateAsync("county", Grain, read);
        Assert.True(read.RecordExists);
        Assert.Empty(read.State!.PendingAudit);
        Assert.Equal(1, read.State.AuditCount);
        var facts = await new PostgresCountyFacts(dataSource, IndicatorCatalog.Default).ReadAsync("tn", 2024);
        Assert.Equal(3, facts!["c1"].Revision);
        Assert.Equal(5, facts["c1"].Values["org.meetings"]);

        // A writer holding an old etag writes nothing: neither the state nor its entry.
        var second = Entry(new AuditHead(1, first.Hash), "u1@2");
        var stale = new CountyState { Revision = 4, AuditCount = 2, AuditHash = second.Hash, PendingAudit = [second] };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("county", Grain, new GrainState<CountyState>(stale) { ETag = "7" }));
        Assert.Single(await new PostgresAuditLog(dataSource).ReadAsync("tn/c1/2024", 0, 10));

        // An entry the log already holds with another hash is never overwritten, and the state is not written either.
        var forged = first with { Body = first.Body + "（改）", Hash = new string('f', 64) };
        var conflicting = new CountyState { Revision = 9, AuditCount = 1, PendingAudit = [forged] };
        await Assert.ThrowsAsync<AuditConflictException>(() => storage.WriteStateAsync("county", Grain, new GrainState<CountyState>(conflicting) { ETag = "1" }));
        await storage.ReadStateAsync("county", Grain, read);
        Assert.Equal(3, read.State.Revision);
        Assert.Equal("1", read.ETag);
        Assert.Equal([first], await new PostgresAuditLog(dataSource).ReadAsync("tn/c1/2024", 0, 10));
    }

    [Fact]
    public async Task County_rows_stored_by_orleans_before_the_county_table_are_carried_over_with_their_pending_entries()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        foreach (var (_, _, sql) in SchemaMigrator.Scripts().Where(s => s.Version < 8))
        {
            await using var script = dataSource.CreateCommand(sql);
            await script.ExecuteNonQueryAsync();
        }

        var old = new CountyState { Revision = 2, AuditCount = 1 };
        old.Cells["org.meetings"] = new AggregateCell { Sum = 4, Reporters = 1 };
        old.PendingAudit.Add(Entry(AuditHead.Empty, "u1@1"));
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, payloadbinary, version)
            VALUES (1, 0, 0, 1, 'county', 'tn/c1/2024', 'assessment', $1, 5)
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = new Assessment.Grains.JsonGrainStorageSerializer().Serialize(old).ToArray() });
            await insert.ExecuteNonQueryAsync();
        }

        await SchemaMigrator.MigrateAsync(dataSource);

        var read = new GrainState<CountyState>();
        await new PostgresCountyStorage(dataSource).ReadStateAsync("county", Grain, read);
        Assert.Equal("5", read.ETag);
        Assert.Equal(2, read.State!.Revision);
        Assert.Single(read.State.PendingAudit); // the grain appends it on activation, as before
        var facts = await new PostgresCountyFacts(dataSource, IndicatorCatalog.Default).ReadAsync("tn", 2024);
        Assert.Equal(4, facts!["c1"].Values["org.meetings"]);
        Assert.Equal(old.Board("c1"), (await new PostgresCountyFacts(dataSource, IndicatorCatalog.Default).ReadBoardAsync("tn", 2024))!["c1"]);
        await using var left = dataSource.CreateCommand("SELECT count(*) FROM orleansstorage WHERE graintypestring = 'county'");
        Assert.Equal(0L, await left.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_write_stores_the_county_overview_line_and_a_row_without_one_is_read_from_its_state()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var storage = new PostgresCountyStorage(dataSource);
        var store = new PostgresCountyFacts(dataSource, IndicatorCatalog.Default);
        var deadline = new DateTimeOffset(2025, 3, 31, 16, 0, 0, TimeSpan.Zero);
        var state = new CountyState
        {
            Status = CountyStatus.Submitted,
            Version = 4,
            Deadline = deadline,
            Extension = deadline.AddDays(7),
            Units = ["u1", "u2", "u3"],
            RequiredUnitCodes = ["org.meetings", "pufa.activities"],
            Adjustments = [new AdjustmentRecord("a1", "bonus", 1, "表彰", null, "assessor", deadline)],
        };
        state.UnitVersions["u1"] = 2;
        state.UnitStoredAt["u1"] = deadline.AddHours(-1);
        state.UnitMissing["u1"] = 0;
        state.UnitVersions["u2"] = 1;
        state.UnitStoredAt["u2"] = deadline.AddHours(1); // late
        state.UnitMissing["u2"] = 1;
        var grainState = new GrainState<CountyState>(state);
        await storage.WriteStateAsync("county", Grain, grainState);

        // u3 sent nothing: it lacks both required values; u2 lacks one and came after the deadline.
        var expected = new CountyBoardRow("c1", CountyStatus.Submitted, 4, 3, 2, 1, 3, deadline.AddDays(7), 1);
        Assert.Equal(expected, state.Board("c1"));
        Assert.Equal(expected, (await store.ReadBoardAsync("tn", 2024))!["c1"]);

        // A write by the previous release's function (a rolling upgrade) clears the line: it is taken from that state.
        state.Status = CountyStatus.Returned;
        state.Version = 5;
        await using (var old = dataSource.CreateCommand(
            "SELECT write_county_state('tn', 2024, 'c1', 1, $1, $2, 'tn/c1/2024', '{}'::integer[], '{}'::text[], '{}'::text[], '{}'::text[])"))
        {
            var serializer = new Assessment.Grains.JsonGrainStorageSerializer();
            old.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = serializer.Serialize(state).ToArray() });
            old.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = serializer.Serialize(state.Facts(IndicatorCatalog.Default)).ToArray() });
            Assert.Equal(2, await old.ExecuteScalarAsync());
        }

        await using (var board = dataSource.CreateCommand("SELECT board IS NULL FROM county_states WHERE county = 'c1'"))
        {
            Assert.Equal(true, await board.ExecuteScalarAsync());
        }

        Assert.Equal(expected with { Status = CountyStatus.Returned, Version = 5 }, (await store.ReadBoardAsync("tn", 2024))!["c1"]);
        Assert.Empty((await store.ReadBoardAsync("tn", 2023))!);
    }

    [Fact]
    public async Task A_county_of_a_hundred_units_stays_in_its_row_compressed_and_nothing_goes_to_the_toast_tables()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var storage = new PostgresCountyStorage(dataSource);
        var codes = IndicatorCatalog.Default.Indicators.Take(40).Select(i => i.Code).ToArray();
        // A large county (a hundred units: towns and county departments) whose row passes 2 KB even compressed.
        var random = new Random(16);
        var state = new CountyState { Units = [.. Enumerable.Range(0, 100).Select(u => $"u{u}")], RequiredUnitCodes = [.. codes.Take(33)] };
        var grainState = new GrainState<CountyState>(state);
        var head = AuditHead.Empty;
        for (var write = 1; write <= 5; write++)
        {
            state.Revision = write;
            for (var u = 0; u < 100; u++)
            {
                state.UnitVersions[$"u{u}"] = write;
                state.UnitStoredAt[$"u{u}"] = DateTimeOffset.UnixEpoch.AddTicks(random.NextInt64(1L << 50));
                state.UnitMissing[$"u{u}"] = 0;
            }

            foreach (var code in codes)
            {
                state.Cells[code] = new AggregateCell { Sum = random.Next(100_000) / 100m, Reporters = 100 };
            }

            // A resubmission's entry: every value before and after (2.6 KB of text, as in the B1 benchmark).
            var entry = AuditChain.Next(head, new AuditEvent(DateTimeOffset.UnixEpoch, "u1", "submission", $"u1@{write}",
                string.Join("; ", codes.Select(c => $"{c}={write}")), string.Join("; ", codes.Select(c => $"{c}={write + 1}")), null));
            head = new AuditHead(write, entry.Hash);
            state.PendingAudit.Add(entry);
            state.AuditCount = write;
            state.AuditHash = entry.Hash;
            await storage.WriteStateAsync("county", Grain, grainState);
        }

        var json = new Assessment.Grains.JsonGrainStorageSerializer().Serialize(state).ToArray();
        await using (var row = dataSource.CreateCommand("SELECT get_byte(state, 0), octet_length(state), octet_length(facts) FROM county_states"))
        await using (var reader = await row.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(0, reader.GetInt32(0)); // the compressed form's marker
            Assert.True(reader.GetInt32(1) * 3 < json.Length, $"{json.Length} bytes of state stored in {reader.GetInt32(1)}");
            Assert.True(reader.GetInt32(1) + reader.GetInt32(2) > 2048, $"the row ({reader.GetInt32(1)} + {reader.GetInt32(2)} bytes) is long enough for PostgreSQL to compress or move it");
        }

        // Each write replaced one row in place: no value was moved out to a TOAST table (chunks, their index, deletes).
        await using (var toast = dataSource.CreateCommand("""
            SELECT c.relname, pg_relation_size(c.reltoastrelid) FROM pg_class c
             WHERE c.relname IN ('county_states', 'unit_states', 'audit_entries')
            """))
        await using (var reader = await toast.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Assert.True(reader.GetInt64(1) == 0, $"{reader.GetString(0)} moved {reader.GetInt64(1)} bytes to its TOAST table");
            }
        }

        var read = new GrainState<CountyState>();
        await storage.ReadStateAsync("county", Grain, read);
        Assert.Equal(json, new Assessment.Grains.JsonGrainStorageSerializer().Serialize(read.State).ToArray());
        Assert.Equal(5, (await new PostgresAuditLog(dataSource).ReadAsync("tn/c1/2024", 0, 10)).Count);
    }

    [Fact]
    public async Task A_county_write_looks_up_only_its_own_audit_entries_however_long_the_chain()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        async Task<long> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        async Task Execute(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        // A county's year of submissions: a chain of 300 entries. The connection plans as a long-running server's do
        // (generic plans), and joins are made the way PostgreSQL chooses for a vacuumed, analyzed table of many chains
        // (a hash or merge join; a nested loop of key lookups only when it guesses the chain is short).
        await Execute("""
            INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
            SELECT 'tn/c1/2024', i, repeat('0', 64), 'entry ' || i, lpad(i::text, 64, '0') FROM generate_series(1, 300) AS i
            """);
        await Execute("ANALYZE audit_entries");
        await Execute("SET plan_cache_mode = force_generic_plan");
        await Execute("SET enable_nestloop = off");

        // Entries a write reads (from the table or its key), counted by PostgreSQL: each write a transaction of its own,
        // rolled back.
        const string Reads = "SELECT pg_stat_get_xact_tuples_returned('audit_entries'::regclass) + pg_stat_get_xact_tuples_returned('audit_entries_pkey'::regclass)";
        async Task<long> IndexReads(int idx, string hash)
        {
            await Execute("BEGIN");
            try
            {
                // Read before and after: PostgreSQL's per-transaction figures also hold what it has not yet reported.
                var before = await Scalar(Reads);
                await Scalar($"""
                    SELECT write_county_state('tn', 2024, 'c1', NULL, '\x7b7d', NULL, NULL, 'tn/c1/2024',
                        ARRAY[{idx}], ARRAY[repeat('0', 64)], ARRAY['entry {idx}'], ARRAY['{hash}'])
                    """);
                return await Scalar(Reads) - before;
            }
            finally
            {
                await Execute("ROLLBACK");
            }
        }

        // More than five calls: PostgreSQL plans a function's statements for their parameters five times, then generically.
        for (var call = 0; call < 8; call++)
        {
            Assert.InRange(await IndexReads(301, new string('a', 64)), 0, 10); // a new entry
            Assert.InRange(await IndexReads(150, "150".PadLeft(64, '0')), 0, 10); // a retry of one already stored
        }

        var conflict = await Assert.ThrowsAsync<PostgresException>(() => IndexReads(150, new string('f', 64)));
        Assert.Equal("AS001", conflict.SqlState);
    }

    private static AuditRecord Entry(AuditHead head, string subject) =>
        AuditChain.Next(head, new AuditEvent(DateTimeOffset.UnixEpoch, "u1", "submission", subject, null, "org.meetings=5", null));
}
