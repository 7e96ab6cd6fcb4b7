using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// Group commit across grains: single-row writes (each one statement returning one value) that arrive while a batch is
/// in flight go to the database together in the next one, as one round trip and one transaction. Each caller gets its
/// own statement's value once the transaction has committed, or the batch's error if it failed (nothing of it is then
/// stored, so every caller restores and retries as after a failed write of its own). A write arriving when nothing is
/// in flight goes at once, so a quiet server pays no delay.
/// <para>
/// When the database refuses a batch (one statement raised an error, so the whole transaction was rolled back and
/// nothing of it is stored), each statement runs again on its own: the others are stored, and only the one at fault
/// gets its error. An error without an answer from the database (connection lost) fails the whole batch, since its
/// outcome is unknown; the statements must therefore be safe to repeat after an unknown outcome (etag-checked writes
/// and inserts that ignore a row already there are). Statements run in key order, so two silos' batches lock rows in
/// the same order and cannot deadlock.
/// </para>
/// </summary>
public sealed class WriteCombiner(NpgsqlDataSource dataSource, int maxBatch = 64)
{
    private readonly Lock _gate = new();
    private List<Pending> _queue = [];
    private bool _flushing;

    private sealed record Pending(string Key, NpgsqlBatchCommand Command, TaskCompletionSource<object?> Done);

    /// <summary>Runs <paramref name="command"/> with the writes waiting beside it; its first column's value, or null.</summary>
    public Task<object?> ScalarAsync(string key, NpgsqlBatchCommand command)
    {
        var pending = new Pending(key, command, new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _queue.Add(pending);
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            // Off the calling grain's scheduler, and without its context (request context, trace): the loop serves
            // every grain's writes, so it must not run as, or be traced under, the one that happened to start it.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(FlushAsync);
            }
        }

        return pending.Done.Task;
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                if (_queue.Count <= maxBatch)
                {
                    batch = _queue;
                    _queue = [];
                }
                else
                {
                    batch = _queue[..maxBatch];
                    _queue.RemoveRange(0, maxBatch);
                }
            }

            batch.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            try
            {
                var results = await RunAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (PostgresException) when (batch.Count > 1)
            {
                // Rolled back as a whole: each on its own, so one statement's error is not everyone's.
                foreach (var p in batch)
                {
                    try
                    {
                        p.Done.TrySetResult((await RunAsync([p]))[0]);
                    }
                    catch (Exception ex)
                    {
                        p.Done.TrySetException(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                foreach (var p in batch)
                {
                    p.Done.TrySetException(ex);
                }
            }
        }
    }

    /// <remarks>
    /// A batch outside an explicit transaction runs in one implicit transaction, committed at its end: the values are
    /// handed out only after the reader has consumed that end, so none is answered before the commit.
    /// </remarks>
    private async Task<object?[]> RunAsync(List<Pending> batch)
    {
        var results = new object?[batch.Count];
        await using var command = dataSource.CreateBatch();
        foreach (var p in batch)
        {
            command.BatchCommands.Add(p.Command);
        }

        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            for (var i = 0; i < batch.Count; i++)
            {
                if (await reader.ReadAsync() && !await reader.IsDBNullAsync(0))
                {
                    results[i] = reader.GetValue(0);
                }

                await reader.NextResultAsync();
            }
        }
        finally
        {
            command.BatchCommands.Clear(); // the statements may run again, each in a batch of its own
        }

        return results;
    }
}
