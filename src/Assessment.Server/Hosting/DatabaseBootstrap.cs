using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>The database the process uses: one <see cref="NpgsqlDataSource"/> for Orleans' providers and our code.</summary>
public sealed class PlatformDatabase(NpgsqlDataSource dataSource, EmbeddedPostgres? embedded) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The private server this process started, if any.</summary>
    public EmbeddedPostgres? Embedded { get; } = embedded;

    /// <summary>Whether the unit and county storages write their states compressed (<see cref="DatabaseOptions.CompressStates"/>).</summary>
    public bool CompressStates { get; init; } = true;

    /// <summary>
    /// Resolves the database before the silo starts (Orleans' providers read their queries at start-up): starts the
    /// embedded server when no connection string is configured, checks durability, and applies migrations.
    /// </summary>
    public static async Task<PlatformDatabase> OpenAsync(DatabaseOptions options, string dataDir, Action<string> log, CancellationToken ct = default)
    {
        EmbeddedPostgres? embedded = null;
        var connectionString = options.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            embedded = await EmbeddedPostgres.StartAsync(dataDir, options.PostgresBinDir, throwaway: false, log, ct);
            connectionString = embedded.ConnectionString;
        }

        var dataSource = Build(connectionString);
        try
        {
            await SchemaMigrator.CheckDurabilityAsync(dataSource, options.Throwaway, ct);
            var applied = await SchemaMigrator.MigrateAsync(dataSource, ct);
            if (applied.Count > 0)
            {
                log($"Applied schema migrations: {string.Join(", ", applied)}.");
            }
        }
        catch
        {
            await dataSource.DisposeAsync();
            if (embedded is not null)
            {
                await embedded.StopAsync();
            }

            throw;
        }

        return new PlatformDatabase(dataSource, embedded) { CompressStates = options.CompressStates };
    }

    /// <summary>
    /// The pool every query of the process goes through, with two defaults a connection string may override: pooled
    /// connections are not reset with DISCARD ALL when they go back to the pool (nothing here keeps session state; the
    /// reset was a statement and a transaction of its own per checkout, and it threw away every prepared statement and
    /// PL/pgSQL plan), and statements run repeatedly are prepared once per connection (the storage writes of every
    /// submission). Measured in docs/benchmarks.md (performance round 3).
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The keywords the connection string names itself (Npgsql's own builder answers "known", not "given").
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
        if (!given.Contains("noresetonclose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        if (!given.Contains("maxautoprepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (Embedded is not null)
        {
            await Embedded.StopAsync();
        }
    }
}
