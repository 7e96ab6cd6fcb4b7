using System.Globalization;
using Npgsql;

namespace Assessment.Benchmarks;

/// <summary>
/// CPU time spent by the server, by PostgreSQL (its postmaster and every backend, the exited ones included) and by the
/// benchmark's own clients, read from <c>/proc</c>. On a shared, loaded machine the rate of a phase moves with whatever
/// else runs; the CPU a phase costs per operation moves much less, so the harness prints both.
/// </summary>
internal sealed class CpuTime
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private readonly int _serverPid;
    private readonly int _postmasterPid;

    private CpuTime(int serverPid, int postmasterPid) => (_serverPid, _postmasterPid) = (serverPid, postmasterPid);

    /// <summary>CPU seconds used so far by each side.</summary>
    internal readonly record struct Sample(double Server, double Postgres, double Clients)
    {
        public static Sample operator -(Sample a, Sample b) => new(a.Server - b.Server, a.Postgres - b.Postgres, a.Clients - b.Clients);

        public double Total => Server + Postgres + Clients;
    }

    public static async Task<CpuTime?> ForAsync(int serverPid, string connectionString)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT setting FROM pg_settings WHERE name = 'data_directory'", connection);
        var dataDirectory = (string)(await command.ExecuteScalarAsync())!;
        var postmaster = int.Parse((await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid")))[0], CultureInfo.InvariantCulture);
        return new CpuTime(serverPid, postmaster);
    }

    public Sample Now()
    {
        var postgres = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Stat(pid) is not { } stat)
            {
                continue;
            }

            if (pid == _postmasterPid)
            {
                postgres += stat.Own + stat.Children; // backends that have exited are counted in the postmaster's children
            }
            else if (stat.Parent == _postmasterPid)
            {
                postgres += stat.Own;
            }
        }

        return new Sample(Stat(_serverPid)?.Own ?? 0, postgres, Stat(Environment.ProcessId)?.Own ?? 0);
    }

    private static (int Parent, double Own, double Children)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: the fields count from after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            double Ticks(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), Ticks(14) + Ticks(15), Ticks(16) + Ticks(17));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // the process ended while being read
        }
    }
}
