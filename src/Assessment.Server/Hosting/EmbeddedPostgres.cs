using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>PostgreSQL server binaries are not installed (or not where they were said to be).</summary>
public sealed class PostgresNotFoundException(string message) : Exception(message);

/// <summary>
/// A private PostgreSQL server provisioned from the machine's binaries into a data folder: initdb once, then started
/// on a free loopback port for the life of the process and stopped on exit. When the process runs as root the server
/// runs as the <c>postgres</c> user (PostgreSQL refuses root).
/// </summary>
public sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    public const string DatabaseName = "assessment";
    private const string SuperUser = "assessment";
    private readonly string _binDir;
    private readonly string _root;
    private string _recovery = ""; // recovery settings while a point-in-time recovery runs
    private readonly bool _asPostgresUser;
    private readonly Action<string> _log;
    private bool _stopped;
    private bool _throwaway;

    private EmbeddedPostgres(string binDir, string root, bool asPostgresUser, int port, string password, Action<string> log)
    {
        _binDir = binDir;
        _root = root;
        _asPostgresUser = asPostgresUser;
        _log = log;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = SuperUser,
            Password = password,
            Database = DatabaseName,
            Timeout = 15,
            CommandTimeout = 30,
        }.ConnectionString;
    }

    public int Port { get; }

    public string ConnectionString { get; }

    /// <summary>The folder holding the cluster (<c>data/</c>) and the server log.</summary>
    public string Root => _root;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    private static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>Provisions (first time) and starts the server.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(string dataDir, string? binDir, bool throwaway, Action<string> log, CancellationToken ct = default)
    {
        var bin = FindBinaries(binDir);
        var asPostgres = IsRoot;
        Directory.CreateDirectory(dataDir);
        var root = await RootAsync(dataDir, ct);
        if (root != Path.Combine(Path.GetFullPath(dataDir), "postgres"))
        {
            log($"The postgres user cannot reach {dataDir}; keeping the database cluster in {root}.");
        }

        var passwordFile = PasswordFile(dataDir);
        var instance = new EmbeddedPostgres(bin, root, asPostgres, Ports.Free(), await PasswordAsync(passwordFile, ct), log);
        await instance.InitializeAsync(passwordFile, ct);
        await instance.StartServerAsync(throwaway, ct);
        await instance.EnsureDatabaseAsync(ct);
        return instance;
    }

    /// <summary>
    /// Where a data folder's cluster lives: in the folder, or, when the server runs as root and the postgres user cannot
    /// traverse to it (e.g. it is under /root), in a folder of its own named after the data folder.
    /// </summary>
    public static async Task<string> RootAsync(string dataDir, CancellationToken ct = default)
    {
        var root = Path.Combine(Path.GetFullPath(dataDir), "postgres");
        if (IsRoot && !await CanPostgresUserReachAsync(Path.GetFullPath(dataDir), ct))
        {
            var tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..12];
            root = Path.Combine("/var/lib/assessment", tag, "postgres");
        }

        return root;
    }

    public static string PasswordFile(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "postgres.password");

    /// <summary>The port of the data folder's cluster while a server runs it (from postmaster.pid), else null.</summary>
    public static async Task<int?> RunningPortAsync(string dataDir, CancellationToken ct = default)
    {
        var pid = Path.Combine(await RootAsync(dataDir, ct), "data", "postmaster.pid");
        try
        {
            var lines = await File.ReadAllLinesAsync(pid, ct);
            return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The connection string of the data folder's cluster on a port (its superuser and password).</summary>
    public static async Task<string> ConnectionStringAsync(string dataDir, int port, CancellationToken ct = default) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = DatabaseName,
            Username = SuperUser,
            Password = await PasswordAsync(PasswordFile(dataDir), ct),
        }.ConnectionString;

    /// <summary>Finds pg_ctl, initdb and postgres, or explains exactly how to get them.</summary>
    public static string FindBinaries(string? configured)
    {
        static bool Has(string dir) => File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres"));

        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Has(configured)
                ? configured
                : throw new PostgresNotFoundException($"Database:PostgresBinDir is '{configured}', but pg_ctl, initdb and postgres are not all there.");
        }

        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        candidates.AddRange(["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]);
        return candidates.FirstOrDefault(Has) ?? throw new PostgresNotFoundException(
            """
            PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on this machine.
            The platform runs a private PostgreSQL for you when they are installed. Either:
              - install them: sudo apt-get install -y postgresql   (Debian/Ubuntu; `make run` does this when run as root), or
              - point to them: Database__PostgresBinDir=/path/to/postgresql/bin, or
              - use an existing server: Database__ConnectionString="Host=...;Username=...;Password=...;Database=assessment"
            """);
    }

    private async Task InitializeAsync(string passwordFile, CancellationToken ct)
    {
        var data = Path.Combine(_root, "data");
        if (File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(_root);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _root], asPostgres: false, ct);
        }

        // initdb reads the password from a file the server's user can read; it is removed right after.
        var pwfile = Path.Combine(_root, "initdb.pw");
        await File.WriteAllTextAsync(pwfile, await File.ReadAllTextAsync(passwordFile, ct), ct);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", pwfile], asPostgres: false, ct);
        }

        try
        {
            _log($"Creating a PostgreSQL cluster in {data} (first start)…");
            await RunAsync(Path.Combine(_binDir, "initdb"),
                ["-D", data, "-U", SuperUser, "--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale"],
                _asPostgresUser, ct);
        }
        finally
        {
            File.Delete(pwfile);
        }
    }

    private async Task StartServerAsync(bool throwaway, CancellationToken ct)
    {
        _throwaway = throwaway;
        var data = Path.Combine(_root, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            // A server left running by a process that was killed: stop it so this process owns the one it starts.
            var status = await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", data, "status"], _asPostgresUser, ct, throwOnError: false);
            if (status.ExitCode == 0)
            {
                _log("Stopping a PostgreSQL server left running by an earlier process…");
                await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"], _asPostgresUser, ct, throwOnError: false);
            }
        }

        var settings = $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories= -c max_connections=200";
        if (throwaway)
        {
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        }
        else
        {
            await ArchiveWalAsync(data, ct);
        }

        await RunAsync(Path.Combine(_binDir, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(_root, "postgres.log"), "-w", "-t", "60", "-o", settings, "start"], _asPostgresUser, ct);
        _log($"PostgreSQL is running on 127.0.0.1:{Port} (data: {data}).");
    }

    /// <summary>
    /// Point-in-time recovery into a new data folder: the base backup of <paramref name="fromDataDir"/> (make
    /// base-backup) replayed with its archived write-ahead log up to <paramref name="at"/> (every transaction committed
    /// before it, none after), then promoted and stopped, ready for the platform to start on.
    /// </summary>
    public static async Task RecoverAsync(string fromDataDir, string dataDir, DateTimeOffset at, string? binDir, Action<string> log, CancellationToken ct = default)
    {
        var bin = FindBinaries(binDir);
        var source = await RootAsync(fromDataDir, ct);
        var baseTar = Path.Combine(source, "base-backup", "base.tar");
        if (!File.Exists(baseTar))
        {
            throw new InvalidOperationException($"{fromDataDir} has no base backup ({baseTar}); take one with make base-backup.");
        }

        Directory.CreateDirectory(dataDir);
        var root = await RootAsync(dataDir, ct);
        var data = Path.Combine(root, "data");
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new InvalidOperationException($"{Path.GetFullPath(dataDir)} already holds a database; recover into a new data folder.");
        }

        // The recovered cluster keeps the source's roles, so the data folder keeps its password.
        File.Copy(PasswordFile(fromDataDir), PasswordFile(dataDir), overwrite: true);
        Directory.CreateDirectory(data);
        await RunAsync("tar", ["-xf", baseTar, "-C", data], asPostgres: false, ct);
        var walTar = Path.Combine(source, "base-backup", "pg_wal.tar"); // the log written while the backup was taken
        if (File.Exists(walTar))
        {
            await RunAsync("tar", ["-xf", walTar, "-C", Path.Combine(data, "pg_wal")], asPostgres: false, ct);
        }
        File.WriteAllText(Path.Combine(data, "recovery.signal"), "");
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", root], asPostgres: false, ct);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var instance = new EmbeddedPostgres(bin, root, IsRoot, Ports.Free(), await PasswordAsync(PasswordFile(dataDir), ct), log)
        {
            _recovery = $"""
                restore_command = 'cp "{Path.Combine(source, "wal-archive")}/%f" "%p"'
                recovery_target_time = '{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture)}+00'
                recovery_target_action = 'promote'
                """,
        };
        try
        {
            await instance.StartServerAsync(throwaway: false, ct);
            var admin = new NpgsqlConnectionStringBuilder(instance.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
            var waited = Stopwatch.StartNew();
            while (true)
            {
                await using (var connection = new NpgsqlConnection(admin))
                {
                    await connection.OpenAsync(ct);
                    await using var recovering = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                    if (!(bool)(await recovering.ExecuteScalarAsync(ct))!)
                    {
                        break;
                    }
                }

                if (waited.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new InvalidOperationException("recovery did not finish within 10 minutes; see postgres.log beside the cluster.");
                }

                await Task.Delay(200, ct);
            }

            log($"Recovered the database as it was at {at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}（北京时间）.");
        }
        catch (Exception ex) when (ex is InvalidOperationException or NpgsqlException)
        {
            // PostgreSQL says why in its log (e.g. the moment is before the base backup, or past the archived log).
            var logFile = Path.Combine(root, "postgres.log");
            var tail = File.Exists(logFile) ? string.Join('\n', File.ReadLines(logFile).TakeLast(6)) : "";
            throw new InvalidOperationException($"recovery failed: {ex.Message}\n{tail}\n(the half-built cluster is in {root}: remove it before trying again)", ex);
        }
        finally
        {
            await instance.StopAsync();
        }
    }

    /// <summary>The folder the cluster archives its write-ahead log to (point-in-time recovery; see docs/operations.md).</summary>
    public static async Task<string> WalArchiveAsync(string dataDir, CancellationToken ct = default) => Path.Combine(await RootAsync(dataDir, ct), "wal-archive");

    /// <summary>
    /// Continuous archiving of the write-ahead log into <c>wal-archive</c> beside the cluster, once a base backup exists to
    /// replay it from (before that the segments would be of no use and are not kept): PostgreSQL's basic_archive writes
    /// each segment to a temporary file, flushes it and renames it (a segment archived twice with the same content is
    /// fine), at least every 15 minutes while anything is written. A new base backup removes the segments only older
    /// ones needed. Set in a file of the platform's own that postgresql.conf includes. A throwaway cluster (tests)
    /// archives nothing.
    /// </summary>
    private async Task ArchiveWalAsync(string data, CancellationToken ct)
    {
        var archive = Path.Combine(_root, "wal-archive");
        Directory.CreateDirectory(archive);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", archive], asPostgres: false, ct);
        }

        await File.WriteAllTextAsync(Path.Combine(data, "assessment.conf"), ArchiveSettings(archive, Directory.Exists(Path.Combine(_root, "base-backup"))) + _recovery + "\n", ct);
        var conf = Path.Combine(data, "postgresql.conf");
        if (!(await File.ReadAllTextAsync(conf, ct)).Contains("include_if_exists = 'assessment.conf'", StringComparison.Ordinal))
        {
            await File.AppendAllTextAsync(conf, "\ninclude_if_exists = 'assessment.conf'\n", ct);
        }
    }

    /// <summary>The archiving settings: archiving on once a base backup exists, off (segments recycled) before.</summary>
    public static string ArchiveSettings(string archive, bool baseBackupExists)
    {
        if (archive.IndexOfAny(['\'', '"', '%', '\n', '\r']) >= 0)
        {
            throw new InvalidOperationException($"the WAL archive path {archive} holds a quote, % or a line break; move the data folder.");
        }

        return $"""
            # Written by the platform: continuous WAL archiving for point-in-time recovery (docs/operations.md).
            wal_level = replica
            archive_mode = on
            archive_library = '{(baseBackupExists ? "basic_archive" : "")}'
            archive_command = '{(baseBackupExists ? "" : "/bin/true")}'
            basic_archive.archive_directory = '{archive}'
            archive_timeout = {(baseBackupExists ? "900" : "0")}

            """;
    }

    /// <summary>After a base backup: archiving on in the running cluster (its settings file rewritten and reloaded).</summary>
    public static async Task StartArchivingAsync(string dataDir, int port, CancellationToken ct = default)
    {
        var root = await RootAsync(dataDir, ct);
        await File.WriteAllTextAsync(Path.Combine(root, "data", "assessment.conf"), ArchiveSettings(Path.Combine(root, "wal-archive"), baseBackupExists: true), ct);
        await using var connection = new NpgsqlConnection(await ConnectionStringAsync(dataDir, port, ct));
        await connection.OpenAsync(ct);
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteScalarAsync(ct);
    }

    private async Task EnsureDatabaseAsync(CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", DatabaseName);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName} ENCODING 'UTF8'", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Stops the server (fast shutdown: committed work is already durable).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"], _asPostgresUser, CancellationToken.None, throwOnError: false);
        _log("PostgreSQL stopped.");
    }

    /// <summary>Stops at once without a checkpoint, as a crash would (for fault tests).</summary>
    public Task KillAsync() =>
        RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], _asPostgresUser, CancellationToken.None, throwOnError: false);

    /// <summary>Starts the server again on the same port after <see cref="KillAsync"/> (crash recovery runs).</summary>
    public Task RestartAsync(CancellationToken ct = default) => StartServerAsync(_throwaway, ct);

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<bool> CanPostgresUserReachAsync(string dir, CancellationToken ct)
    {
        var result = await RunAsync("runuser", ["-u", "postgres", "--", "test", "-x", dir], asPostgres: false, ct, throwOnError: false);
        if (result.ExitCode != 0 && result.Error.Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            throw new PostgresNotFoundException("The process runs as root, but there is no 'postgres' user to run PostgreSQL as. Install Debian's postgresql package (it creates the user) or run as an ordinary user.");
        }

        return result.ExitCode == 0;
    }

    private static async Task<string> PasswordAsync(string file, CancellationToken ct)
    {
        if (File.Exists(file))
        {
            return (await File.ReadAllTextAsync(file, ct)).Trim();
        }

        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await File.WriteAllTextAsync(file, password, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return password;
    }

    private readonly record struct RunResult(int ExitCode, string Output, string Error);

    private static async Task<RunResult> RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct, bool throwOnError = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var result = new RunResult(process.ExitCode, await output, await error);
        if (throwOnError && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed (exit {result.ExitCode}): {result.Error.Trim()} {result.Output.Trim()}");
        }

        return result;
    }
}
