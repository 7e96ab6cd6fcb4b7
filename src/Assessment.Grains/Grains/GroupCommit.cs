using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

/// <summary>
/// Group commit for a reentrant grain. A change is applied in memory at once and its caller joins the next write,
/// which carries every change applied while the previous write was in flight; nobody hears "done" before their change
/// is durable. When a write fails, the grain's <c>restore</c> puts its memory back to what is stored and names the
/// error every waiting caller gets. All members run on the grain's scheduler.
/// </summary>
internal sealed class GroupCommit(Func<Task> write, Func<Exception, Task<Exception>> restore)
{
    private TaskCompletionSource? _unwritten; // changes applied since the current write started; done when durable
    private TaskCompletionSource? _writing;   // the changes the current write carries

    /// <summary>A write is in flight.</summary>
    public bool Busy { get; private set; }

    /// <summary>Joins the next group write; completes when it is durable (or fails with the restore's error).</summary>
    public Task JoinAsync()
    {
        _unwritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _unwritten.Task;
        if (!Busy)
        {
            _ = LoopAsync();
        }

        return durable;
    }

    /// <summary>Waits until everything applied so far has been written or rolled back; readers then see stored state.</summary>
    public async Task SettledAsync()
    {
        if ((_unwritten ?? _writing) is { } pending)
        {
            try
            {
                await pending.Task;
            }
            catch (UnavailableException)
            {
                // The failed changes were rolled back; what is in memory now is the stored state.
            }
        }
    }

    private async Task LoopAsync()
    {
        Busy = true;
        try
        {
            while (_unwritten is { } batch)
            {
                _unwritten = null;
                _writing = batch;
                try
                {
                    await write();
                    batch.SetResult();
                }
                catch (Exception ex)
                {
                    // Changes that joined after this write started were applied on top of the failed ones: they fail too.
                    var later = _unwritten;
                    _unwritten = null;
                    var error = await restore(ex);
                    batch.SetException(error);
                    later?.SetException(error);
                }
            }
        }
        finally
        {
            Busy = false;
            _writing = null;
        }
    }
}
