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
        catch (Exception ex) when (ex is InvalidOperationException or PostgresNotFoundException or IOException or NpgsqlException)
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
        var port = await EmbeddedPostgres.RunningPortAsync(dataDir);
        if (port is null)
        {
            if (!File.Exists(EmbeddedPostgres.PasswordFile(dataDir)))
            {
                throw new InvalidOperationException($"{Path.GetFullPath(dataDir)} holds no platform database.");
            }

            started = await EmbeddedPostgres.StartAsync(dataDir, binDir, throwaway: false, _ => { });
            port = started.Port;
        }

        try
        {
            var target = Path.GetFullPath(file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var partial = target + ".partial";
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

        await RunAsync(Path.Combine(tools, "pg_basebackup"), await ConnectionAsync(dataDir, port), ["--pgdata", fresh, "--format=tar", "--wal-method=fetch", "--checkpoint=fast"], database: false);
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

        if (!DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var moment))
        {
            throw new InvalidOperationException($"\"{at}\" is not a time: write it as 2026-12-07 10:15:00 (Beijing time) or with an offset.");
        }

        if (!at.Contains('+', StringComparison.Ordinal) && !at.EndsWith('Z') && !System.Text.RegularExpressions.Regex.IsMatch(at, @"T.*-\d\d:?\d\d$"))
        {
            moment = new DateTimeOffset(moment.UtcDateTime.Ticks, TimeSpan.FromHours(8)); // as written, in Beijing time
        }

        using var folder = DataFolderLock.Acquire(dataDir);
        await EmbeddedPostgres.RecoverAsync(from, dataDir, moment, binDir, Console.WriteLine);
        Console.WriteLine($"Start the platform on it with DataDir={Path.GetFullPath(dataDir)}.");
        return 0;
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

    private static async Task RunAsync(string tool, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(tool)} failed (exit {process.ExitCode}): {(await error).Trim()}");
        }
    }

    private static async Task<NpgsqlConnectionStringBuilder> ConnectionAsync(string dataDir, int port) =>
        new(await EmbeddedPostgres.ConnectionStringAsync(dataDir, port));

    private static async Task RunAsync(string tool, NpgsqlConnectionStringBuilder connection, IReadOnlyList<string> args, bool database = true)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        string[] target = ["--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--username", connection.Username!];
        foreach (var a in (database ? [.. target, "--dbname", connection.Database!] : target).Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        // The password goes in the child's environment only, never on its command line.
        start.Environment["PGPASSWORD"] = connection.Password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(tool)} failed (exit {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
        }
    }
}
