using System.Security.Cryptography;
using System.Text;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Assessment.Server.Services;

/// <summary>
/// Makes a write that a client may retry answer once: every such write carries a request_id (required); the first call
/// runs and its answer (the response, or a definite refusal such as INVALID_ARGUMENT or ABORTED) is kept; a retry with
/// the same id and the same request gets that answer back without running again; the same id with another request is
/// ALREADY_EXISTS. While the first call still runs, a retry waits for its answer, then is UNAVAILABLE (safe to repeat).
/// <para>
/// A first call that ends without a definite answer — a passing failure (UNAVAILABLE, a deadline, a cancelled call),
/// an answer that could not be kept, a silo that died mid-call — leaves its entry in doubt: the effect may have
/// happened. A retry resolves it as the write's <see cref="InDoubt{TResponse}"/> says, by re-reading the target and
/// never by running the write blindly again: the target's answer is kept as the write's; a write whose target shows no
/// effect runs only once the first call can no longer take effect (<see cref="Settle"/>); a write nothing can re-read
/// (a key shown once) is refused with REQUEST_IN_DOUBT.
/// </para>
/// <para>
/// Kept in PostgreSQL (<c>request_ledger</c>) for <see cref="Retention"/>: any silo answers a retry, across restarts.
/// Every time is the database's (<c>now()</c>), so silos with skewed clocks agree on what is settled. Rows are keyed by a
/// hash of caller and id, and answers are sealed with AES-GCM under a key derived from the id.
/// </para>
/// </summary>
public sealed class RequestLedger(NpgsqlDataSource db, ILogger<RequestLedger> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>
    /// How old (by the database's clock) a claim must be before its first call can no longer take effect: well past
    /// the cluster's response timeout and the longest write. An unanswered claim this old is in doubt.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a repeat of a request still in progress (or still unsettled) waits before it is told to retry.</summary>
    public TimeSpan InFlightWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts at keeping an answer before the entry is left to be resolved in doubt.</summary>
    private const int AnswerAttempts = 3;

    private static readonly TimeSpan InFlightPoll = TimeSpan.FromMilliseconds(50);

    private static readonly StatusCode[] Definite =
        [StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.Aborted, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.PermissionDenied, StatusCode.OutOfRange];

    private long _claims;

    public Task<TResponse> RunAsync<TResponse>(ServerCallContext context, string requestId, IMessage request, InDoubt<TResponse> inDoubt, Func<Task<TResponse>> run)
        where TResponse : class, IMessage<TResponse>, new() =>
        RunAsync(context.GetHttpContext().User, context.Method, requestId, request, inDoubt, run, context.CancellationToken);

    /// <summary>
    /// The same, for a workbench action: <paramref name="method"/> names the action (distinct from every RPC), and the
    /// answer or refusal comes back as gRPC would give it (refusals as <see cref="RpcException"/>).
    /// </summary>
    public async Task<TResponse> RunAsync<TResponse>(System.Security.Claims.ClaimsPrincipal user, string method, string requestId, IMessage request,
        InDoubt<TResponse> inDoubt, Func<Task<TResponse>> run, CancellationToken cancellation)
        where TResponse : class, IMessage<TResponse>, new()
    {
        // Required: a write without an id could not be told from its own retry, and would run twice.
        if (!Guid.TryParse(requestId, out var id) || id == Guid.Empty)
        {
            throw new ValidationFailedException([new FieldError("request_id", requestId.Length == 0
                ? "须填写 request_id（UUID）：同一次操作重试时使用同一个 UUID，平台据此保证只执行一次"
                : "须为 UUID（同一次操作重试时使用同一个 UUID）")]);
        }

        var caller = user.FindFirst(Caller.CredentialClaim)?.Value ?? "";
        var entry = new Entry(SHA256.HashData(Encoding.UTF8.GetBytes($"{caller}\n{id:D}")), method, SHA256.HashData(request.ToByteArray()), id.ToString("D"), caller);

        // The same request still being answered (a double click, a client's early retry): wait for its answer and give
        // it back, rather than refusing — the first answer may be a key shown only once, and its page may never show.
        // Polls back off (50 ms doubling to 1 s, about 15 reads in all), so waiting repeats cost the database little.
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        var pause = InFlightPoll;
        var claimed = await ClaimAsync(entry);
        while (claimed is null)
        {
            if (await ReadAsync(entry.Key) is not { } held)
            {
                claimed = await ClaimAsync(entry); // released meanwhile: ours to run now
                continue;
            }

            if (held.Method != method || !held.Hash.AsSpan().SequenceEqual(entry.Hash))
            {
                throw new ConflictException("request_id 已用于另一项不同的操作；新的操作请使用新的 request_id。");
            }

            if (held.Answered)
            {
                return Replay<TResponse>(Open(held.Answer!, entry.IdText, caller));
            }

            if (held.InDoubt || held.Settled)
            {
                var (answer, takenOver) = await ResolveAsync(entry, held, inDoubt);
                if (answer is not null)
                {
                    return answer;
                }

                if (takenOver is not null)
                {
                    claimed = takenOver;
                    break;
                }
            }

            if (waiting.Elapsed >= InFlightWait)
            {
                throw new UnavailableException(held.InDoubt
                    ? "使用该 request_id 的上一次请求结果尚未确定，请稍后使用相同的 request_id 重试（不会重复执行）。"
                    : "使用该 request_id 的同一操作正在处理中，请稍后使用相同的 request_id 重试。");
            }

            await Task.Delay(pause, cancellation);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.TicksPerSecond));
        }

        return await ExecuteAsync(entry, claimed.Value, run, cancellation);
    }

    /// <summary>
    /// What became of an in-doubt first call, as the target tells: its answer (kept as the write's), or leave to run
    /// (true) once the target shows no effect and none can come, or neither yet (the caller waits and asks again).
    /// </summary>
    private async Task<(TResponse? Answer, DateTimeOffset? TakenOver)> ResolveAsync<TResponse>(Entry entry, Held held, InDoubt<TResponse> inDoubt)
        where TResponse : class, IMessage<TResponse>, new()
    {
        if (inDoubt.TargetKeepsId)
        {
            // Sending it again is a read at the target, which applies the id once.
            return (null, await TakeOverAsync(entry.Key, held.ClaimedAt));
        }

        if (inDoubt.Read is null)
        {
            if (!held.Settled)
            {
                return (null, null);
            }

            throw new PreconditionException("REQUEST_IN_DOUBT",
                "使用该 request_id 的上一次请求未能确认结果，平台无法判断它是否已生效：请先查看当前状态；如需重做，请使用新的 request_id。");
        }

        if (await inDoubt.Read() is { } found)
        {
            logger.LogInformation("Resolved an in-doubt {Method} by re-reading its target: it took effect", entry.Method);
            await KeepAnswerAsync(entry, Seal([1, .. found.ToByteArray()], entry.IdText, entry.Caller), claimedAt: null);
            return (found, null);
        }

        return (null, held.Settled ? await TakeOverAsync(entry.Key, held.ClaimedAt) : null);
    }

    /// <summary>
    /// Runs the write under the claim taken at <paramref name="claimedAt"/>: its answer or doubt is kept only while that
    /// claim is still the entry's (a call that outlived its claim, taken over by a retry, cannot overwrite the retry's).
    /// </summary>
    private async Task<TResponse> ExecuteAsync<TResponse>(Entry entry, DateTimeOffset claimedAt, Func<Task<TResponse>> run, CancellationToken cancellation)
        where TResponse : class, IMessage<TResponse>, new()
    {
        TResponse response;
        try
        {
            response = await run();
        }
        catch (Exception ex)
        {
            var rpc = ex as RpcException ?? ErrorInterceptor.Translate(ex, entry.Method, logger, cancellation);
            if (Array.IndexOf(Definite, rpc.StatusCode) >= 0 && rpc.GetRpcStatus() is { } status)
            {
                await KeepAnswerAsync(entry, Seal([2, .. status.ToByteArray()], entry.IdText, entry.Caller), claimedAt);
            }
            else
            {
                await MarkInDoubtAsync(entry.Key, claimedAt);
            }

            throw rpc;
        }

        // The effect has happened: the caller gets its answer even if the ledger cannot keep it now (a retry then
        // finds the entry in doubt and re-reads the target).
        await KeepAnswerAsync(entry, Seal([1, .. response.ToByteArray()], entry.IdText, entry.Caller), claimedAt);
        return response;
    }

    private sealed record Entry(byte[] Key, string Method, byte[] Hash, string IdText, string Caller);

    private sealed record Held(string Method, byte[] Hash, bool Answered, byte[]? Answer, bool InDoubt, DateTimeOffset ClaimedAt, bool Settled);

    private static TResponse Replay<TResponse>(byte[] answer)
        where TResponse : IMessage<TResponse>, new()
    {
        var body = answer.AsSpan(1);
        if (answer[0] == 1)
        {
            var response = new TResponse();
            response.MergeFrom(body);
            return response;
        }

        throw Google.Rpc.Status.Parser.ParseFrom(body).ToRpcException();
    }

    /// <summary>Claims the entry for this call: the claim's time (the database's), or null when the entry exists.</summary>
    private async Task<DateTimeOffset?> ClaimAsync(Entry entry)
    {
        if (Interlocked.Increment(ref _claims) % 512 == 0)
        {
            await using var sweep = db.CreateCommand("DELETE FROM request_ledger WHERE created_at < now() - @retention");
            sweep.Parameters.AddWithValue("retention", Retention);
            await sweep.ExecuteNonQueryAsync();
        }

        await using var command = db.CreateCommand(
            "INSERT INTO request_ledger (key, method, request_hash, created_at) VALUES (@key, @method, @hash, now()) ON CONFLICT (key) DO NOTHING RETURNING created_at");
        command.Parameters.AddWithValue("key", entry.Key);
        command.Parameters.AddWithValue("method", entry.Method);
        command.Parameters.AddWithValue("hash", entry.Hash);
        return Time(await command.ExecuteScalarAsync());
    }

    private async Task<Held?> ReadAsync(byte[] key)
    {
        await using var command = db.CreateCommand(
            "SELECT method, request_hash, answered, answer, in_doubt, created_at, created_at <= now() - @settle FROM request_ledger WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("settle", Settle);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null; // released between the claim and this read
        }

        return new Held(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6));
    }

    /// <summary>Takes an unanswered entry over for this call: the new claim's time, or null when another retry took it first.</summary>
    private async Task<DateTimeOffset?> TakeOverAsync(byte[] key, DateTimeOffset claimedAt)
    {
        await using var command = db.CreateCommand(
            "UPDATE request_ledger SET created_at = now(), in_doubt = false WHERE key = @key AND NOT answered AND created_at = @claimed RETURNING created_at");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("claimed", claimedAt);
        return Time(await command.ExecuteScalarAsync());
    }

    private static DateTimeOffset? Time(object? value) => value switch
    {
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        DateTimeOffset at => at,
        _ => null,
    };

    /// <summary>
    /// Keeps the answer unless one is kept already, and, for a call's own answer (<paramref name="claimedAt"/>), only while
    /// its claim is the entry's.
    /// </summary>
    private async Task KeepAnswerAsync(Entry entry, byte[] answer, DateTimeOffset? claimedAt)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = db.CreateCommand("UPDATE request_ledger SET answered = true, in_doubt = false, answer = @answer WHERE key = @key AND NOT answered"
                    + (claimedAt is null ? "" : " AND created_at = @claimed"));
                command.Parameters.AddWithValue("key", entry.Key);
                command.Parameters.AddWithValue("answer", answer);
                if (claimedAt is { } claimed)
                {
                    command.Parameters.AddWithValue("claimed", claimed);
                }

                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (Exception ex) when ((ex is NpgsqlException or TimeoutException) && attempt < AnswerAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // Left unanswered: once settled, a retry finds it in doubt and re-reads the target.
                logger.LogWarning(ex, "Could not keep the answer of {Method}; a retry will resolve it from its target", entry.Method);
                return;
            }
        }
    }

    private async Task MarkInDoubtAsync(byte[] key, DateTimeOffset claimedAt)
    {
        try
        {
            await using var command = db.CreateCommand("UPDATE request_ledger SET in_doubt = true WHERE key = @key AND NOT answered AND created_at = @claimed");
            command.Parameters.AddWithValue("key", key);
            command.Parameters.AddWithValue("claimed", claimedAt);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The claim stays as it is; once settled a retry treats it as in doubt all the same.
            logger.LogWarning(ex, "Could not mark a request claim in doubt");
        }
    }

    private static byte[] Seal(byte[] plain, string requestId, string caller)
    {
        var sealedBytes = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(DeriveKey(requestId, caller), 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return sealedBytes;
    }

    private static byte[] Open(byte[] sealedBytes, string requestId, string caller)
    {
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(DeriveKey(requestId, caller), 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        return plain;
    }

    private static byte[] DeriveKey(string requestId, string caller) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(requestId), 32, Encoding.UTF8.GetBytes(caller), "assessment.request-ledger"u8.ToArray());
}
