using System.Diagnostics;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// Copies of the embedded database (docs/operations.md). <c>backup FILE</c> / <c>restore FILE</c> (<c>make backup</c>,
/// <c>make restore</c>): one consistent snapshot of the whole database (pg_dump reads it in one transaction, so the
/// platform keeps serving writes meanwhile), loaded into the cluster of a new data folder. <c>base-backup</c> /
/// <c>recover --From=DIR --At=TIME</c> (<c>make base-backup</c>, <c>make recover</c>): a physical base backup beside the
/// cluster and, with the write-ahead log the cluster archives continuously, recovery into a new data folder as the
/// database was at any moment since. An external PostgreSQL is backed up with its own tools.
/// </summary>
public static class BackupMode
{
    public const string Backup = "backup", Restore = "restore", BaseBackup = "base-backup", Recover = "recover";

    public static bool Handles(string verb) => verb is Backup or Restore or BaseBackup or Recover;

    public static async Task<int> RunAsync(string verb, string? file, Microsoft.Extensions.Configuration.IConfiguration settings)
    {
        var dataDir = settings["DataDir"] ?? ".data";
        var binDir = settings["Database:PostgresBinDir"];
        try
        {
            switch (verb)
            {
                case BaseBackup:
                    return await BaseBackupAsync(dataDir, binDir);
                case Recover:
                    return await RecoverAsync(settings["From"], settings["At"], dataDir, binDir);
            }

            if (string.IsNullOrWhiteSpace(file))
            {
                throw new InvalidOperationException($"name the file: {verb} FILE");
            }

            return verb == Backup ? await BackupAsync(file, dataDir, binDir) : await RestoreAsync(file, dataDir, binDir);
        }
        catch (Exception ex) when (ex is InvalidOperationException or PostgresNotFoundException or IOException or NpgsqlException
            or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"Cannot {verb}: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> BackupAsync(string file, string dataDir, string? binDir)
    {
        var tools = Tools(binDir);
        // The platform's own cluster while it runs; else the cluster is started for the copy alone.
        EmbeddedPostgres? started = null;
        DataFolderLock? folder = null;
        var port = await EmbeddedPostgres.RunningPortAsync(dataDir);
        if (port is null)
        {
            if (!File.Exists(EmbeddedPostgres.PasswordFile(dataDir)))
            {
                throw new InvalidOperationException($"{Path.GetFullPath(dataDir)} holds no platform database.");
            }

            folder = DataFolderLock.Acquire(dataDir); // no platform may start on the folder meanwhile
            started = await EmbeddedPostgres.StartAsync(dataDir, binDir, throwaway: false, _ => { });
            port = started.Port;
        }

        try
        {
            var target = Path.GetFullPath(file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var partial = target + ".partial";
            // Readable by this user only: the copy holds credential hashes and the web key ring.
            await File.WriteAllBytesAsync(partial, []);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            await RunAsync(Path.Combine(tools, "pg_dump"), await ConnectionAsync(dataDir, port.Value), ["--format=custom", "--no-owner", "--file", partial]);
            File.Move(partial, target, overwrite: true); // a backup cut short never passes for a whole one
            Console.WriteLine($"Backed up the platform's database to {target} ({new FileInfo(target).Length:N0} bytes).");
            return 0;
        }
        finally
        {
            if (started is not null)
            {
                await started.StopAsync();
            }

            folder?.Dispose();
        }
    }

    private static async Task<int> RestoreAsync(string file, string dataDir, string? binDir)
    {
        var source = Path.GetFullPath(file);
        if (!File.Exists(source))
        {
            throw new InvalidOperationException($"{source} does not exist.");
        }

        if (await EmbeddedPostgres.RunningPortAsync(dataDir) is not null)
        {
            throw new InvalidOperationException($"a platform runs on {Path.GetFullPath(dataDir)}; restore into a new data folder.");
        }

        var tools = Tools(binDir);
        using var folder = DataFolderLock.Acquire(dataDir);
        await using var cluster = await EmbeddedPostgres.StartAsync(dataDir, binDir, throwaway: false, _ => { });
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var check = new NpgsqlCommand("SELECT to_regclass('public.orleansstorage') IS NOT NULL", connection);
            if ((bool)(await check.ExecuteScalarAsync())!)
            {
                throw new InvalidOperationException($"{Path.GetFullPath(dataDir)} already holds a platform database; restore into a new data folder.");
            }
        }

        await RunAsync(Path.Combine(tools, "pg_restore"), await ConnectionAsync(dataDir, cluster.Port), ["--no-owner", "--exit-on-error", "--single-transaction", source]);
        Console.WriteLine($"Restored {source} into {Path.GetFullPath(dataDir)}; start the platform on it with DataDir={Path.GetFullPath(dataDir)}.");
        return 0;
    }

    private static async Task<int> BaseBackupAsync(string dataDir, string? binDir)
    {
        var tools = Tools(binDir);
        var port = await EmbeddedPostgres.RunningPortAsync(dataDir)
            ?? throw new InvalidOperationException($"no platform runs on {Path.GetFullPath(dataDir)}: a base backup is taken from the running cluster.");
        var root = await EmbeddedPostgres.RootAsync(dataDir);
        var target = Path.Combine(root, "base-backup");
        var fresh = target + ".new";
        if (Directory.Exists(fresh))
        {
            Directory.Delete(fresh, recursive: true);
        }

        // Archiving first, so that every segment from the backup's start on is kept.
        await EmbeddedPostgres.StartArchivingAsync(dataDir, port);
        await RunAsync(Path.Combine(tools, "pg_basebackup"), await ConnectionAsync(dataDir, port), ["--pgdata", fresh, "--format=tar", "--wal-method=stream", "--checkpoint=fast"], database: false);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(fresh, target); // the previous base backup is replaced only by a whole new one

        // The archive keeps what this base backup needs and nothing older: the archive stays bounded by base backups.
        var archive = await EmbeddedPostgres.WalArchiveAsync(dataDir);
        if (new DirectoryInfo(archive).EnumerateFiles("*.backup").MaxBy(f => f.Name) is { } label)
        {
            await RunAsync(Path.Combine(tools, "pg_archivecleanup"), [archive, label.Name]);
        }
        Console.WriteLine($"Took a base backup into {target}; with the archived write-ahead log the database can be recovered to any moment from now on.");
        return 0;
    }

    private static async Task<int> RecoverAsync(string? from, string? at, string dataDir, string? binDir)
    {
        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(at))
        {
            throw new InvalidOperationException("name the source and the moment: recover --From=/path/to/data --At=\"2026-12-07 10:15:00\" (Beijing time unless an offset is given)");
        }

        var moment = ParseMoment(at)
            ?? throw new InvalidOperationException($"\"{at}\" is not a time: write it as 2026-12-07 10:15:00 (Beijing time) or as an ISO time with an offset (2026-12-07T02:15:00Z).");

        using var folder = DataFolderLock.Acquire(dataDir);
        await EmbeddedPostgres.RecoverAsync(from, dataDir, moment, binDir, Console.WriteLine);
        Console.WriteLine($"Start the platform on it with DataDir={Path.GetFullPath(dataDir)}.");
        return 0;
    }

    /// <summary>A moment as an operator writes it: Beijing wall time, or ISO 8601 with Z or an offset.</summary>
    public static DateTimeOffset? ParseMoment(string text)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        string[] local = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFF"];
        string[] offset = ["yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK"];
        var trimmed = text.Trim();
        if (trimmed.EndsWith('z'))
        {
            trimmed = trimmed[..^1] + "Z";
        }

        if (DateTime.TryParseExact(trimmed, local, culture, System.Globalization.DateTimeStyles.None, out var wall))
        {
            return new DateTimeOffset(wall, TimeSpan.FromHours(8));
        }

        return DateTimeOffset.TryParseExact(trimmed, offset, culture, System.Globalization.DateTimeStyles.None, out var exact) ? exact : null;
    }

    /// <summary>pg_dump and pg_restore beside the server binaries found (following a symlinked pg_ctl to its folder).</summary>
    private static string Tools(string? binDir)
    {
        var bin = EmbeddedPostgres.FindBinaries(binDir);
        var real = new FileInfo(Path.Combine(bin, "pg_ctl")).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        var dir = real is null ? bin : Path.GetDirectoryName(real)!;
        return File.Exists(Path.Combine(dir, "pg_dump")) ? dir
            : throw new InvalidOperationException($"pg_dump is not in {dir}; install the PostgreSQL client (Debian: postgresql-client).");
    }

    private static async Task RunAsync(string tool, IReadOnlyList<string> args, string? password = null)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (password is not null)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(tool)} failed (exit {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
        }
    }

    private static async Task<NpgsqlConnectionStringBuilder> ConnectionAsync(string dataDir, int port) =>
        new(await EmbeddedPostgres.ConnectionStringAsync(dataDir, port));

    /// <summary>A PostgreSQL client tool against the cluster; the password goes in its environment, never its command line.</summary>
    private static Task RunAsync(string tool, NpgsqlConnectionStringBuilder connection, IReadOnlyList<string> args, bool database = true)
    {
        string[] target = ["--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--username", connection.Username!];
        return RunAsync(tool, [.. database ? [.. target, "--dbname", connection.Database!] : target, .. args], connection.Password);
    }
}
