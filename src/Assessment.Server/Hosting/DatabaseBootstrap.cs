using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>The database the process uses: one <see cref="NpgsqlDataSource"/> for Orleans' providers and our code.</summary>
public sealed class PlatformDatabase(NpgsqlDataSource dataSource, EmbeddedPostgres? embedded) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The private server this process started, if any.</summary>
    public EmbeddedPostgres? Embedded { get; } = embedded;

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

        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
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

        return new PlatformDatabase(dataSource, embedded);
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
