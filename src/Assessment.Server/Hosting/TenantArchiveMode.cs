using Assessment.Domain.Keys;
using Assessment.Domain.Workflow;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// The operator's tenant commands (<c>make tenant-export</c>, <c>tenant-import</c>, <c>tenant-delete</c>,
/// <c>operations-log</c>), on the embedded database of a data folder or on <c>Database:ConnectionString</c>. Export runs
/// beside a running platform; import and deletion change rows that running silos may hold in memory, so they refuse a
/// database a platform is running on.
/// </summary>
public static class TenantArchiveMode
{
    public const string Export = "tenant-export", Import = "tenant-import", Delete = "tenant-delete", Log = "operations-log", Purge = "evidence-purge";

    public static bool Handles(string verb) => verb is Export or Import or Delete or Log or Purge;

    public static async Task<int> RunAsync(string verb, IReadOnlyList<string> operands, IConfiguration settings)
    {
        var actor = settings["Actor"] is { Length: > 0 } named ? named : $"{Environment.UserName}@{Environment.MachineName}";
        try
        {
            switch (verb, operands)
            {
                case (Export, [var tenant, var file]):
                    return await ExportAsync(Slug.Require(tenant, "tenant"), file, actor, settings);
                case (Import, [var file]):
                    return await ImportAsync(file, actor, settings);
                case (Delete, [var tenant]):
                    return await DeleteAsync(Slug.Require(tenant, "tenant"), actor, settings);
                case (Log, []):
                    return await LogAsync(settings);
                case (Purge, [var tenant]):
                    return await PurgeAsync(Slug.Require(tenant, "tenant"), actor, settings);
                default:
                    Console.Error.WriteLine($"Usage: {Export} TENANT FILE | {Import} FILE | {Delete} TENANT --Reason=… [--Actor=…] | {Purge} TENANT --Reason=… [--Years=10] [--Actor=…] | {Log}   (with --DataDir=… or --Database:ConnectionString=…)");
                    return 2;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or PostgresNotFoundException or IOException
            or NpgsqlException or UnauthorizedAccessException or System.IO.InvalidDataException or System.Text.DecoderFallbackException
            or NotSupportedException)
        {
            Console.Error.WriteLine($"Cannot {verb}: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> ExportAsync(string tenant, string file, string actor, IConfiguration settings)
    {
        await using var database = await Database.OpenAsync(settings, forChange: false);
        var target = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = target + ".partial";
        TenantArchive.Summary summary;
        await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            // Readable by this user only: the archive holds the tenant's credential hashes and every figure.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            summary = await TenantArchive.ExportAsync(database.Source, tenant, output, actor);
        }

        File.Move(partial, target, overwrite: true); // an export cut short never passes for a whole one
        Console.WriteLine($"Exported tenant {tenant} to {target}: {summary.Rows:N0} rows in {summary.Manifest.Tables.Count} tables, manifest SHA-256 {summary.ManifestSha256}.");
        return 0;
    }

    private static async Task<int> ImportAsync(string file, string actor, IConfiguration settings)
    {
        var source = Path.GetFullPath(file);
        if (!File.Exists(source))
        {
            throw new InvalidOperationException($"{source} does not exist.");
        }

        // The archive is checked whole before any database is opened (or a new folder's created).
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var archive = await TenantArchive.VerifyAsync(input);
        await using var database = await Database.OpenAsync(settings, forChange: true);
        var summary = await TenantArchive.ImportAsync(database.Source, archive, actor);
        Console.WriteLine($"Imported tenant {summary.Manifest.Tenant} ({summary.Rows:N0} rows, exported {summary.Manifest.ExportedAt:yyyy-MM-dd HH:mm} UTC by {summary.Manifest.ExportedBy}), manifest SHA-256 {summary.ManifestSha256}.");
        return 0;
    }

    private static async Task<int> DeleteAsync(string tenant, string actor, IConfiguration settings)
    {
        var reason = settings["Reason"];
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InvalidOperationException("give the reason (--Reason=…): it goes into the platform's audit chain with your name.");
        }

        await using var database = await Database.OpenAsync(settings, forChange: true);
        var removed = await TenantArchive.DeleteAsync(database.Source, tenant, actor, reason.Trim());
        Console.WriteLine($"Deleted tenant {tenant}: {string.Join(", ", removed.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value:N0}"))}.");
        return 0;
    }

    /// <summary>
    /// The archive rule for 佐证材料: the files of years older than the tenant's retention go, with a record in the
    /// platform's chain. Runs beside a running platform (those years are closed; nothing holds their files in memory).
    /// The retention: <c>--Years</c>, else <c>Evidence:Retention:&lt;tenant&gt;</c>, else <c>Evidence:RetentionYears</c>, else 10.
    /// </summary>
    private static async Task<int> PurgeAsync(string tenant, string actor, IConfiguration settings)
    {
        var reason = settings["Reason"];
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InvalidOperationException("give the reason (--Reason=…): it goes into the platform's audit chain with your name.");
        }

        var configured = settings["Years"] ?? settings[$"Evidence:Retention:{tenant}"] ?? settings["Evidence:RetentionYears"];
        var years = configured is null ? Evidence.EvidenceRetention.DefaultYears
            : int.TryParse(configured, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var y) ? y
            : throw new ArgumentException($"the retention '{configured}' is not a number of years.");
        await using var database = await Database.OpenAsync(settings, forChange: false);
        var purged = await Evidence.EvidenceRetention.PurgeAsync(database.Source, tenant, years, DateTimeOffset.UtcNow, actor, reason.Trim());
        Console.WriteLine($"Purged tenant {tenant}'s 佐证材料 of the years before {purged.BeforeYear}: {purged.Files:N0} files, {purged.Blobs:N0} stored files no longer named ({purged.Bytes / 1048576.0:N1} MB).");
        return 0;
    }

    private static async Task<int> LogAsync(IConfiguration settings)
    {
        await using var database = await Database.OpenAsync(settings, forChange: false);
        var records = await TenantArchive.PlatformLogAsync(database.Source);
        var check = AuditChain.Verify(records);
        foreach (var record in records)
        {
            var e = AuditChain.Parse(record.Body);
            Console.WriteLine($"{record.Index,4}  {e.At:yyyy-MM-dd HH:mm:ss}Z  {e.Action,-14} {e.Subject,-20} {e.Actor}  {e.Before ?? e.After}{(e.Reason is null ? "" : "  reason: " + e.Reason)}");
        }

        Console.WriteLine(check.Intact ? $"{records.Count} entries, chain intact." : $"Chain broken at entry {check.FirstBroken}: {check.Problem}");
        return check.Intact ? 0 : 1;
    }

    /// <summary>The database to work on: the configured one, or the embedded cluster of the data folder (started for
    /// the command when no platform runs on it).</summary>
    private sealed class Database : IAsyncDisposable
    {
        private EmbeddedPostgres? _started;
        private NpgsqlConnection? _lock;
        private DataFolderLock? _folder;

        public NpgsqlDataSource Source { get; private set; } = null!;

        public static async Task<Database> OpenAsync(IConfiguration settings, bool forChange)
        {
            var database = new Database();
            try
            {
                if (settings["Database:ConnectionString"] is { Length: > 0 } connection)
                {
                    database.Source = NpgsqlDataSource.Create(connection);
                    Console.WriteLine($"Database: {new NpgsqlConnectionStringBuilder(connection) { Password = null }.ConnectionString}");
                }
                else
                {
                    var dataDir = settings["DataDir"] ?? ".data";
                    if (await EmbeddedPostgres.RunningPortAsync(dataDir) is { } port)
                    {
                        if (forChange)
                        {
                            throw new InvalidOperationException($"a platform runs on {Path.GetFullPath(dataDir)}: stop it first.");
                        }

                        database.Source = NpgsqlDataSource.Create(await EmbeddedPostgres.ConnectionStringAsync(dataDir, port));
                    }
                    else
                    {
                        if (!forChange && !File.Exists(EmbeddedPostgres.PasswordFile(dataDir)))
                        {
                            throw new InvalidOperationException($"{Path.GetFullPath(dataDir)} holds no platform database.");
                        }

                        database._folder = DataFolderLock.Acquire(dataDir); // no platform may start on the folder meanwhile
                        database._started = await EmbeddedPostgres.StartAsync(dataDir, settings["Database:PostgresBinDir"], throwaway: false, _ => { });
                        database.Source = NpgsqlDataSource.Create(database._started.ConnectionString);
                    }
                }

                if (forChange)
                {
                    // Exclusive for the whole command: no server holds its presence lock, and none starts meanwhile.
                    database._lock = await database.Source.OpenConnectionAsync();
                    await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", database._lock))
                    {
                        take.Parameters.AddWithValue("key", PlatformPresence.LockKey);
                        if (!(bool)(await take.ExecuteScalarAsync())!)
                        {
                            throw new InvalidOperationException("a platform is running on this database (a server holds it): stop every server first (in Kubernetes, scale to 0).");
                        }
                    }

                    await SchemaMigrator.MigrateAsync(database.Source); // a new folder gets its schema; an older one the deletion rule
                }

                return database;
            }
            catch
            {
                await database.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_lock is not null)
            {
                await _lock.DisposeAsync(); // its session's reset releases the lock
            }

            if (Source is not null)
            {
                await Source.DisposeAsync();
            }

            if (_started is not null)
            {
                await _started.StopAsync();
            }

            _folder?.Dispose();
        }
    }
}
