using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Npgsql;

namespace Assessment.Integration.Tests;

/// <summary>
/// The process's pool keeps what each connection has prepared across checkouts (no DISCARD ALL on return) and
/// prepares statements it runs repeatedly (Npgsql: from the fifth use), unless the connection string says otherwise.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DatabasePoolTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_repeated_statement_is_prepared_once_and_stays_prepared_when_its_connection_goes_back_to_the_pool()
    {
        await using var dataSource = PlatformDatabase.Build(await platform.Postgres.CreateDatabaseAsync() + ";Maximum Pool Size=1");
        for (var i = 0; i < 8; i++)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_class WHERE relname = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "pg_type" });
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }

        // The same (only) connection, checked out again: its prepared statement survived the returns.
        await using var prepared = dataSource.CreateCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%relname = $1%'");
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_connection_string_that_names_the_settings_keeps_its_own()
    {
        var given = await platform.Postgres.CreateDatabaseAsync();
        await using var defaults = PlatformDatabase.Build(given);
        var chosen = new NpgsqlConnectionStringBuilder(defaults.ConnectionString);
        Assert.True(chosen.NoResetOnClose);
        Assert.Equal(32, chosen.MaxAutoPrepare);

        await using var own = PlatformDatabase.Build(given + ";No Reset On Close=false;Max Auto Prepare=0");
        var kept = new NpgsqlConnectionStringBuilder(own.ConnectionString);
        Assert.False(kept.NoResetOnClose);
        Assert.Equal(0, kept.MaxAutoPrepare);
    }
}
