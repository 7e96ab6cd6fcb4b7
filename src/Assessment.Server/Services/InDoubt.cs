namespace Assessment.Server.Services;

/// <summary>
/// How a write's retry learns what became of a first call that ended without a definite answer (the cluster timed
/// out, the answer could not be kept, the silo died): by re-reading the target, never by running the write blindly
/// again. Each write says which way its target allows.
/// </summary>
public sealed class InDoubt<TResponse>
{
    private InDoubt(Func<Task<TResponse?>>? read, bool targetKeepsId)
    {
        Read = read;
        TargetKeepsId = targetKeepsId;
    }

    /// <summary>Nothing the platform keeps tells whether the write happened (e.g. a key shown once): the retry is refused.</summary>
    public static InDoubt<TResponse> Unresolvable { get; } = new(null, false);

    /// <summary>
    /// The target answers a repeat of this write with its current state and no second effect (a county remembers the
    /// request ids it applied; a credential already revoked stays revoked): sending the call again is a read there.
    /// </summary>
    public static InDoubt<TResponse> RepeatIsRead { get; } = new(null, true);

    /// <summary>
    /// Reads the target: the answer when the write's effect is there, null when it is not. Only once the first call
    /// can no longer take effect (older than the ledger's settle time) does a null let the write run.
    /// </summary>
    public static InDoubt<TResponse> ReadTarget(Func<Task<TResponse?>> read) => new(read, false);

    internal Func<Task<TResponse?>>? Read { get; }

    internal bool TargetKeepsId { get; }
}
