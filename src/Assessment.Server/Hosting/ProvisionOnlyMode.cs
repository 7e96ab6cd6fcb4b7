namespace Assessment.Server.Hosting;

/// <summary>
/// <c>Database:ProvisionOnly</c>: the embedded PostgreSQL alone, its connection string printed, until Ctrl+C or
/// SIGTERM (<c>make cluster</c> gives several silos one database this way).
/// </summary>
public static class ProvisionOnlyMode
{
    public static async Task RunAsync(PlatformDatabase database, DatabaseOptions options)
    {
        Console.WriteLine($"Connection: {database.Embedded?.ConnectionString ?? options.ConnectionString}");
        Console.WriteLine("PostgreSQL is ready; press Ctrl+C to stop it.");
        var stop = new TaskCompletionSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        await stop.Task;
        await database.DisposeAsync();
    }
}
