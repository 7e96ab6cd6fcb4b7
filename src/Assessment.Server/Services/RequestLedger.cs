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
/// runs and its answer (the
/// response, or a definite refusal such as INVALID_ARGUMENT or ABORTED) is kept; a retry with the same id and the same
/// request gets that answer back without running again; the same id with another request is ALREADY_EXISTS. While
/// the first call still runs, a retry is UNAVAILABLE (safe to repeat). A call that failed for a passing reason
/// (UNAVAILABLE, INTERNAL, a deadline) keeps nothing, so its retry runs.
/// <para>
/// Kept in PostgreSQL (<c>request_ledger</c>) for <see cref="Retention"/>: any silo answers a retry, across restarts.
/// Rows are keyed by a hash of caller and id, and answers are sealed with AES-GCM under a key derived from the id.
/// </para>
/// </summary>
public sealed class RequestLedger(NpgsqlDataSource db, ILogger<RequestLedger> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>A claim older than this whose call never answered (its silo died) may be taken over by a retry.</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    /// <summary>How long a repeat of a request still in progress waits for its answer before it is told to retry.</summary>
    public static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan InFlightPoll = TimeSpan.FromMilliseconds(50);

    private static readonly StatusCode[] Definite =
        [StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.Aborted, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.PermissionDenied, StatusCode.OutOfRange];

    private long _claims;

    public Task<TResponse> RunAsync<TResponse>(ServerCallContext context, string requestId, IMessage request, Func<Task<TResponse>> run)
        where TResponse : IMessage<TResponse>, new() =>
        RunAsync(context.GetHttpContext().User, context.Method, requestId, request, run, context.CancellationToken);

    /// <summary>
    /// The same, for a workbench action: <paramref name="method"/> names the action (distinct from every RPC), and the
    /// answer or refusal comes back as gRPC would give it (refusals as <see cref="RpcException"/>).
    /// </summary>
    public async Task<TResponse> RunAsync<TResponse>(System.Security.Claims.ClaimsPrincipal user, string method, string requestId, IMessage request,
        Func<Task<TResponse>> run, CancellationToken cancellation)
        where TResponse : IMessage<TResponse>, new()
    {
        // Required: a write without an id could not be told from its own retry, and would run twice.
        if (!Guid.TryParse(requestId, out var id) || id == Guid.Empty)
        {
            throw new ValidationFailedException([new FieldError("request_id", requestId.Length == 0
                ? "须填写 request_id（UUID）：同一次操作重试时使用同一个 UUID，平台据此保证只执行一次"
                : "须为 UUID（同一次操作重试时使用同一个 UUID）")]);
        }

        var caller = user.FindFirst(Caller.CredentialClaim)?.Value ?? "";
        var idText = id.ToString("D");
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{caller}\n{idText}"));
        var hash = SHA256.HashData(request.ToByteArray());

        // The same request still being answered (a double click, a client's early retry): wait for its answer and give
        // it back, rather than refusing — the first answer may be a key shown only once, and its page may never show.
        // Polls back off (50 ms doubling to 1 s, about 15 reads in all), so waiting repeats cost the database little.
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        var pause = InFlightPoll;
        var claimed = await ClaimAsync(key, method, hash);
        while (!claimed)
        {
            if (await ReadAsync(key) is not { } held)
            {
                claimed = await ClaimAsync(key, method, hash); // released by a failed first call: ours to run now
                continue;
            }

            if (held.Method != method || !held.Hash.AsSpan().SequenceEqual(hash))
            {
                throw new ConflictException("request_id 已用于另一项不同的操作；新的操作请使用新的 request_id。");
            }

            if (held.Answered)
            {
                return Replay<TResponse>(Open(held.Answer!, idText, caller));
            }

            if (DateTimeOffset.UtcNow - held.CreatedAt >= Abandoned && await TakeOverAsync(key, held.CreatedAt))
            {
                break;
            }

            if (waiting.Elapsed >= InFlightWait)
            {
                throw new UnavailableException("使用该 request_id 的同一操作正在处理中，请稍后使用相同的 request_id 重试。");
            }

            await Task.Delay(pause, cancellation);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.TicksPerSecond));
        }

        TResponse response;
        try
        {
            response = await run();
        }
        catch (Exception ex)
        {
            var rpc = ex as RpcException ?? ErrorInterceptor.Translate(ex, method, logger, cancellation);
            if (Array.IndexOf(Definite, rpc.StatusCode) >= 0 && rpc.GetRpcStatus() is { } status)
            {
                await AnswerAsync(key, Seal([2, .. status.ToByteArray()], idText, caller));
            }
            else
            {
                await ForgetAsync(key);
            }

            throw rpc;
        }

        await AnswerAsync(key, Seal([1, .. response.ToByteArray()], idText, caller));
        return response;
    }

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

    private async Task<bool> ClaimAsync(byte[] key, string method, byte[] hash)
    {
        if (Interlocked.Increment(ref _claims) % 512 == 0)
        {
            await using var sweep = db.CreateCommand("DELETE FROM request_ledger WHERE created_at < now() - @retention");
            sweep.Parameters.AddWithValue("retention", Retention);
            await sweep.ExecuteNonQueryAsync();
        }

        await using var command = db.CreateCommand(
            "INSERT INTO request_ledger (key, method, request_hash) VALUES (@key, @method, @hash) ON CONFLICT (key) DO NOTHING");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("method", method);
        command.Parameters.AddWithValue("hash", hash);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    private async Task<(string Method, byte[] Hash, bool Answered, byte[]? Answer, DateTimeOffset CreatedAt)?> ReadAsync(byte[] key)
    {
        await using var command = db.CreateCommand("SELECT method, request_hash, answered, answer, created_at FROM request_ledger WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null; // released between the claim and this read
        }

        return (reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<DateTimeOffset>(4));
    }

    private async Task<bool> TakeOverAsync(byte[] key, DateTimeOffset createdAt)
    {
        await using var command = db.CreateCommand(
            "UPDATE request_ledger SET created_at = now() WHERE key = @key AND NOT answered AND created_at = @created");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("created", createdAt);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    private async Task AnswerAsync(byte[] key, byte[] answer)
    {
        await using var command = db.CreateCommand("UPDATE request_ledger SET answered = true, answer = @answer WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("answer", answer);
        await command.ExecuteNonQueryAsync();
    }

    private async Task ForgetAsync(byte[] key)
    {
        try
        {
            await using var command = db.CreateCommand("DELETE FROM request_ledger WHERE key = @key AND NOT answered");
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            // The claim stays until it counts as abandoned; a retry then takes it over.
            logger.LogWarning(ex, "Could not release a request claim");
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
