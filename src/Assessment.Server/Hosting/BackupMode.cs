using System.Diagnostics;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// <c>backup FILE</c> and <c>restore FILE</c> for the embedded database (<c>make backup</c>, <c>make restore</c>): a backup
/// is one consistent snapshot of the whole database (pg_dump reads it in one transaction, so the platform keeps
/// serving writes meanwhile); a restore loads it into the cluster of a new data folder, where the platform then starts
/// as it was at the snapshot. An external PostgreSQL is backed up with its own tools (docs/operations.md).
/// </summary>
public static class BackupMode
{
    public const string Backup = "backup", Restore = "restore";

    public static async Task<int> RunAsync(string verb, string file, string dataDir, string? binDir)
    {
        try
        {
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

    /// <summary>pg_dump and pg_restore beside the server binaries found (following a symlinked pg_ctl to its folder).</summary>
    private static string Tools(string? binDir)
    {
        var bin = EmbeddedPostgres.FindBinaries(binDir);
        var real = new FileInfo(Path.Combine(bin, "pg_ctl")).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        var dir = real is null ? bin : Path.GetDirectoryName(real)!;
        return File.Exists(Path.Combine(dir, "pg_dump")) ? dir
            : throw new InvalidOperationException($"pg_dump is not in {dir}; install the PostgreSQL client (Debian: postgresql-client).");
    }

    private static async Task<NpgsqlConnectionStringBuilder> ConnectionAsync(string dataDir, int port) =>
        new(await EmbeddedPostgres.ConnectionStringAsync(dataDir, port));

    private static async Task RunAsync(string tool, NpgsqlConnectionStringBuilder connection, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--username", connection.Username!, "--dbname", connection.Database! }.Concat(args))
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
