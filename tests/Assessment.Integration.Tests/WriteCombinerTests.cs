using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Npgsql;

namespace Assessment.Integration.Tests;

/// <summary>
/// Writes of different grains that arrive while one is in flight share one transaction and one round trip
/// (<see cref="WriteCombiner"/>, used by the unit and county storages); each caller hears only of its own statement,
/// and only once the transaction has committed.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class WriteCombinerTests(PlatformFixture platform)
{
    [Fact]
    public async Task Writes_arriving_during_a_write_are_committed_together_and_one_failing_statement_fails_alone()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await using (var create = dataSource.CreateCommand("CREATE TABLE written (v integer PRIMARY KEY)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var combiner = new WriteCombiner(dataSource);
        static NpgsqlBatchCommand Sql(string sql, params object[] values)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var v in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = v });
            }

            return command;
        }

        // A slow write in flight; twenty that arrive meanwhile go together, in one transaction of their own.
        var slow = combiner.ScalarAsync("a", Sql("SELECT txid_current() FROM pg_sleep(0.5)"));
        await Task.Delay(100);
        var together = Enumerable.Range(0, 20).Select(i => combiner.ScalarAsync($"k{i:D2}", Sql("SELECT txid_current()"))).ToArray();
        var first = (long)(await slow)!;
        var transactions = (await Task.WhenAll(together)).Select(t => (long)t!).Distinct().ToArray();
        Assert.Single(transactions);
        Assert.NotEqual(first, transactions[0]);

        // Again, with one statement the database refuses among nineteen inserts: the inserts are stored, each caller
        // gets its own value once its row can be read by anyone, and only the refused one gets the error.
        slow = combiner.ScalarAsync("a", Sql("SELECT 0 FROM pg_sleep(0.5)"));
        await Task.Delay(100);
        var inserts = Enumerable.Range(1, 19).Select(i => (Value: i, Written: combiner.ScalarAsync($"k{i:D2}", Sql("INSERT INTO written (v) VALUES ($1) RETURNING v", i)))).ToArray();
        var refused = combiner.ScalarAsync("k10x", Sql("SELECT 1 / 0"));
        await slow;
        foreach (var (value, written) in inserts)
        {
            Assert.Equal(value, await written);
            await using var visible = dataSource.CreateCommand("SELECT count(*) FROM written WHERE v = $1");
            visible.Parameters.Add(new NpgsqlParameter { Value = value });
            Assert.Equal(1L, await visible.ExecuteScalarAsync());
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => refused);
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_fails_every_waiting_write()
    {
        // A database that cannot be reached: every caller hears the error; nothing waits forever.
        var builder = new NpgsqlConnectionStringBuilder(await platform.Postgres.CreateDatabaseAsync()) { Port = Ports.Free(), Timeout = 2 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var combiner = new WriteCombiner(dataSource);
        var writes = Enumerable.Range(0, 5).Select(i => combiner.ScalarAsync($"k{i}", new NpgsqlBatchCommand("SELECT 1"))).ToArray();
        foreach (var write in writes)
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => write);
        }
    }
}
