using Assessment.Grains.Grains;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Npgsql;
using Orleans.Storage;

namespace Assessment.Integration.Tests;

/// <summary>
/// The unit grains' storage (migration 0009): a write stores the state without its receipts and the submission's
/// receipt in an insert-only table, together or not at all; a read gives back the latest receipts; rows written by
/// Orleans' storage before it are carried over, receipts included.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class UnitStorageTests(PlatformFixture platform)
{
    private static readonly GrainId Grain = GrainId.Create("unit", "tn/c1/u1/2024");

    [Fact]
    public async Task Each_write_inserts_its_receipt_beside_a_state_that_does_not_carry_them_and_a_stale_write_stores_neither()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var storage = new PostgresUnitStorage(dataSource);
        var grainState = new GrainState<UnitState>(new UnitState());
        var ids = new List<Guid>();
        for (var v = 1; v <= UnitGrain.MaxReceipts + 4; v++)
        {
            var at = DateTimeOffset.UnixEpoch.AddTicks(v * 1234567); // sub-microsecond ticks come back exactly
            var state = grainState.State!;
            state.Version = v;
            state.Values["org.meetings"] = v;
            state.LastStoredAt = at;
            state.Receipts.Add(new ReceiptRecord { Id = Guid.NewGuid(), Hash = $"h{v}", Version = v, Accepted = 1, StoredAt = at });
            ids.Add(state.Receipts[^1].Id);
            await storage.WriteStateAsync("unit", Grain, grainState);
        }

        await using (var size = dataSource.CreateCommand("SELECT octet_length(state), (SELECT count(*) FROM unit_receipts) FROM unit_states"))
        await using (var reader = await size.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetInt32(0) < 200, $"the stored state carries no receipts ({reader.GetInt32(0)} bytes)");
            Assert.Equal(UnitGrain.MaxReceipts + 4, reader.GetInt64(1));
        }

        var read = new GrainState<UnitState>();
        await storage.ReadStateAsync("unit", Grain, read);
        Assert.Equal(UnitGrain.MaxReceipts + 4, read.State!.Version);
        Assert.Equal(ids.TakeLast(UnitGrain.MaxReceipts), read.State.Receipts.Select(r => r.Id));
        Assert.Equal(grainState.State!.Receipts[^1].StoredAt, read.State.Receipts[^1].StoredAt);
        Assert.Equal("h" + (UnitGrain.MaxReceipts + 4), read.State.Receipts[^1].Hash);

        // A writer holding an old etag stores neither its state nor its receipt.
        var stale = new UnitState { Version = 999, LastStoredAt = DateTimeOffset.UnixEpoch };
        stale.Receipts.Add(new ReceiptRecord { Id = Guid.NewGuid(), Hash = "stale", StoredAt = DateTimeOffset.UnixEpoch });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("unit", Grain, new GrainState<UnitState>(stale) { ETag = "1" }));
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM unit_receipts WHERE payload_hash = 'stale'");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_silo_that_writes_plain_states_and_one_that_compresses_them_read_each_others_rows()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var state = new UnitState { Version = 1 };
        for (var i = 0; i < 40; i++)
        {
            state.Values[$"decision.normative_code_{i:D2}"] = i;
        }

        var grainState = new GrainState<UnitState>(state);
        foreach (var (writer, firstByte) in new[] { (new PostgresUnitStorage(dataSource, compressStates: false), (int)'{'), (new PostgresUnitStorage(dataSource), 0) })
        {
            state.Version++;
            await writer.WriteStateAsync("unit", Grain, grainState);
            await using (var row = dataSource.CreateCommand("SELECT get_byte(state, 0) FROM unit_states"))
            {
                Assert.Equal(firstByte, await row.ExecuteScalarAsync());
            }

            foreach (var reader in new[] { new PostgresUnitStorage(dataSource, compressStates: false), new PostgresUnitStorage(dataSource) })
            {
                var read = new GrainState<UnitState>();
                await reader.ReadStateAsync("unit", Grain, read);
                Assert.Equal(state.Version, read.State!.Version);
                Assert.Equal(state.Values, read.State.Values);
            }
        }
    }

    [Fact]
    public async Task Unit_rows_stored_by_orleans_before_the_unit_tables_are_carried_over_with_their_receipts()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        foreach (var (_, _, sql) in SchemaMigrator.Scripts().Where(s => s.Version < 9))
        {
            await using var script = dataSource.CreateCommand(sql);
            await script.ExecuteNonQueryAsync();
        }

        var old = new UnitState { Version = 2, LastStoredAt = new DateTimeOffset(2024, 12, 1, 8, 0, 0, TimeSpan.Zero) };
        old.Values["org.meetings"] = 3;
        var first = new ReceiptRecord { Id = Guid.NewGuid(), Hash = "a", Version = 1, Accepted = 1, StoredAt = old.LastStoredAt.Value.AddMinutes(-5) };
        var second = new ReceiptRecord { Id = Guid.NewGuid(), Hash = "b", Version = 2, Updated = 1, StoredAt = old.LastStoredAt.Value };
        old.Receipts.AddRange([first, second]);
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, payloadbinary, version)
            VALUES (1, 0, 0, 1, 'unit', 'tn/c1/u1/2024', 'assessment', $1, 7)
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = new Assessment.Grains.JsonGrainStorageSerializer().Serialize(old).ToArray() });
            await insert.ExecuteNonQueryAsync();
        }

        await SchemaMigrator.MigrateAsync(dataSource);

        var read = new GrainState<UnitState>();
        await new PostgresUnitStorage(dataSource).ReadStateAsync("unit", Grain, read);
        Assert.Equal("7", read.ETag);
        Assert.Equal(3, read.State!.Values["org.meetings"]);
        Assert.Equal([first.Id, second.Id], read.State.Receipts.Select(r => r.Id));
        Assert.Equal(second.StoredAt, read.State.Receipts[^1].StoredAt);
        Assert.Equal(1, read.State.Receipts[^1].Updated);
        await using var left = dataSource.CreateCommand("SELECT count(*) FROM orleansstorage WHERE graintypestring = 'unit'");
        Assert.Equal(0L, await left.ExecuteScalarAsync());
    }
}
