using System.Reflection;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Npgsql;

namespace Assessment.Integration.Tests;

[Collection(PlatformCollection.Name)]
public sealed class SchemaTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_migration_runs_twice_without_error_and_each_script_is_itself_rerunnable()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        var first = await SchemaMigrator.MigrateAsync(dataSource);
        var second = await SchemaMigrator.MigrateAsync(dataSource);

        Assert.Equal(SchemaMigrator.Scripts().Select(s => s.Name), first);
        Assert.Empty(second);
        foreach (var (_, _, sql) in SchemaMigrator.Scripts())
        {
            await using var command = dataSource.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// The keys are read from the Orleans ADO.NET assemblies themselves: the clustering and reminder providers refuse
    /// to start unless every property of their internal DbStoredQueries names a row; the storage provider reads three.
    /// </summary>
    [Fact]
    public async Task Every_query_key_the_orleans_providers_read_exists()
    {
        var required = new List<string> { "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey" };
        foreach (var assembly in new[] { "Orleans.Clustering.AdoNet", "Orleans.Reminders.AdoNet" })
        {
            var type = Assembly.Load(assembly).GetTypes().Single(t => t.Name == "DbStoredQueries");
            var keys = type.GetProperties(BindingFlags.Instance | BindingFlags.NonPublic).Select(p => p.Name).ToArray();
            Assert.NotEmpty(keys);
            required.AddRange(keys);
        }

        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        var present = new HashSet<string>();
        await using (var read = dataSource.CreateCommand("SELECT querykey FROM orleansquery"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                present.Add(reader.GetString(0));
            }
        }

        Assert.All(required, k => Assert.Contains(k, present));
        Assert.Contains("UpsertReminderRowKey", required);
        Assert.Contains("InsertMembershipKey", required);
    }

    [Fact]
    public async Task Two_first_writes_of_one_grain_leave_one_row_and_the_second_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(await platform.Postgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);
        string write;
        await using (var q = dataSource.CreateCommand("SELECT querytext FROM orleansquery WHERE querykey = 'WriteToStorageKey'"))
        {
            write = (string)(await q.ExecuteScalarAsync())!;
        }

        async Task<object?> FirstWrite(byte[] payload)
        {
            await using var command = dataSource.CreateCommand(write);
            command.Parameters.AddWithValue("GrainIdHash", 42);
            command.Parameters.AddWithValue("GrainIdN0", 0L);
            command.Parameters.AddWithValue("GrainIdN1", 0L);
            command.Parameters.AddWithValue("GrainTypeHash", 7);
            command.Parameters.AddWithValue("GrainTypeString", "countygrain");
            command.Parameters.AddWithValue("GrainIdExtensionString", "t/c/2024");
            command.Parameters.AddWithValue("ServiceId", "assessment");
            command.Parameters.AddWithValue("GrainStateVersion", DBNull.Value);
            command.Parameters.AddWithValue("PayloadBinary", payload);
            return await command.ExecuteScalarAsync();
        }

        var results = await Task.WhenAll(FirstWrite([1]), FirstWrite([2]));
        Assert.Single(results, r => r is 1);
        Assert.Single(results, r => r is DBNull);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM orleansstorage");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }
}
