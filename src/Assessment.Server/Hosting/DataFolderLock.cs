using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Assessment.Server.Hosting;

/// <summary>
/// One server per data folder. The lock is an exclusive lock on <c>server.lock</c> (advisory <c>flock</c> on Linux,
/// released by the kernel when the process ends, however it ends), so a second server on the same folder refuses to
/// start — and never stops the PostgreSQL of the live one — while a lock file left by a killed process blocks nothing.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    public static DataFolderLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(Path.GetFullPath(dataDir), "server.lock");
        var pidFile = Path.Combine(Path.GetFullPath(dataDir), "server.pid");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var owner = ReadOwner(pidFile);
            throw new InvalidOperationException(
                $"another server is already running on the data folder {Path.GetFullPath(dataDir)}"
                + (owner is { } pid ? $" (PID {pid})" : "")
                + ". Stop it first (Ctrl+C in its terminal), or give this one its own folder: --DataDir=/another/folder.");
        }

        // The PID goes into a file of its own: the locked file cannot be read by another process on Linux.
        File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new DataFolderLock(file);
    }

    private static int? ReadOwner(string path)
    {
        try
        {
            // A PID is only named if that process is alive.
            if (int.TryParse(File.ReadAllText(path).Trim(), out var pid))
            {
                using var process = Process.GetProcessById(pid);
                return process.HasExited ? null : pid;
            }
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException)
        {
        }

        return null;
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Ports the server binds: asked of the OS when not configured, checked before start when they are.</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Throws with the setting to change when <paramref name="port"/> is taken on <paramref name="host"/>.</summary>
    public static void RequireFree(string host, int port, string setting)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Parse(host), port);
            listener.Start();
        }
        catch (SocketException)
        {
            throw new InvalidOperationException($"port {port} ({setting}) on {host} is already in use by another program; choose another with --{setting}=PORT.");
        }
    }
}
