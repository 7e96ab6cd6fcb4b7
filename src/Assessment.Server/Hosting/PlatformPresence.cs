using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// Every running server holds a shared advisory lock on its database, on a connection of its own, for as long as it
/// runs; the operator's tenant import and deletion (<see cref="TenantArchiveMode"/>) take the same lock exclusively, so
/// they never change rows beside a live server, whatever its clustering mode. A server killed outright loses its
/// session and with it the lock; one that starts while an import or deletion runs waits for it before it serves.
/// </summary>
public sealed class PlatformPresence : BackgroundService
{
    /// <summary>The lock's key: "assessmt" in ASCII.</summary>
    public const long LockKey = 0x61737365_73736d74;

    private readonly NpgsqlDataSource _database;
    private NpgsqlConnection? _held;

    private PlatformPresence(NpgsqlDataSource database, NpgsqlConnection held)
    {
        _database = database;
        _held = held;
    }

    /// <summary>Where a lost and retaken lock is reported (set from the container once it exists).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Takes the shared lock before the server starts (waiting, with a word, while an operator holds it).</summary>
    public static async Task<PlatformPresence> HoldAsync(PlatformDatabase database, Action<string> log, CancellationToken ct = default)
    {
        var connection = await TakeAsync(database.DataSource, log, ct);
        return new PlatformPresence(database.DataSource, connection);
    }

    /// <summary>
    /// A connection of the pool kept open for the server's life (one of its slots); closing it resets the session, which
    /// releases the lock.
    /// </summary>
    private static async Task<NpgsqlConnection> TakeAsync(NpgsqlDataSource database, Action<string>? log, CancellationToken ct)
    {
        var connection = await database.OpenConnectionAsync(ct);
        try
        {
            await using (var tryTake = new NpgsqlCommand("SELECT pg_try_advisory_lock_shared(@key)", connection))
            {
                tryTake.Parameters.AddWithValue("key", LockKey);
                if ((bool)(await tryTake.ExecuteScalarAsync(ct))!)
                {
                    return connection;
                }
            }

            log?.Invoke("An operator's tenant import or deletion is running on this database; waiting for it to finish…");
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock_shared(@key)", connection) { CommandTimeout = 0 })
            {
                take.Parameters.AddWithValue("key", LockKey);
                await take.ExecuteNonQueryAsync(ct);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Keeps the session alive; when the database drops it (a restart), takes the lock again.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _held ??= await TakeAsync(_database, message => Logger.LogWarning("{Message}", message), stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken);
                await using var ping = new NpgsqlCommand("SELECT 1", _held);
                await ping.ExecuteScalarAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                Logger.LogWarning("The database session holding the platform's presence lock was lost ({Reason}); taking it again", ex.Message);
                if (_held is not null)
                {
                    await _held.DisposeAsync();
                    _held = null;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_held is not null)
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_shared(@key)", _held);
                release.Parameters.AddWithValue("key", LockKey);
                await release.ExecuteScalarAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // the session is gone, and the lock with it
            }

            await _held.DisposeAsync();
            _held = null;
        }
    }
}
