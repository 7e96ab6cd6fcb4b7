using System.Globalization;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace Assessment.Server.Hosting;

/// <summary>
/// The unit grains' storage (tables <c>unit_states</c> and <c>unit_receipts</c>, migration 0009). The state is stored
/// without its receipts; a write stores the receipt of the submission it carries (the one stored at the state's
/// <see cref="UnitState.LastStoredAt"/>) in the insert-only receipts table, in the same transaction. A read gives the
/// state back with its latest <see cref="UnitGrain.MaxReceipts"/> receipts, so the grain sees what it saw before.
/// Writes of different units that arrive while one is in flight are committed together (<see cref="WriteCombiner"/>).
/// </summary>
public sealed class PostgresUnitStorage(NpgsqlDataSource dataSource, bool compressStates = true) : IGrainStorage
{
    // Units' writes that arrive together share a round trip and a commit (every unit of a county at deadline time).
    private readonly WriteCombiner combiner = new(dataSource);

    // Compressed when large (Assessment.Grains.StoredPayload): a unit's state is rewritten with every submission.
    private readonly Assessment.Grains.JsonGrainStorageSerializer serializer = new(compressStates);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(grainId);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(BatchCommand("SELECT etag, state FROM unit_states WHERE tenant = $1 AND year = $2 AND county = $3 AND unit = $4", key));
        batch.BatchCommands.Add(BatchCommand($"""
            SELECT submission_id, payload_hash, version, accepted, updated, unchanged, cleared, stored_at FROM unit_receipts
             WHERE tenant = $1 AND year = $2 AND county = $3 AND unit = $4 ORDER BY stored_at DESC, submission_id LIMIT {UnitGrain.MaxReceipts}
            """, key));
        await using var reader = await batch.ExecuteReaderAsync();
        UnitState? state = null;
        string? etag = null;
        if (await reader.ReadAsync())
        {
            etag = reader.GetInt32(0).ToString(CultureInfo.InvariantCulture);
            state = serializer.Deserialize<UnitState>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
        }

        await reader.NextResultAsync();
        var receipts = new List<ReceiptRecord>();
        while (await reader.ReadAsync())
        {
            receipts.Add(new ReceiptRecord
            {
                Id = reader.GetGuid(0),
                Hash = reader.GetString(1),
                Version = reader.GetInt32(2),
                Accepted = reader.GetInt32(3),
                Updated = reader.GetInt32(4),
                Unchanged = reader.GetInt32(5),
                Cleared = reader.GetInt32(6),
                StoredAt = new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero),
            });
        }

        receipts.Reverse();
        state ??= new UnitState();
        state.Receipts = receipts;
        grainState.State = (T)(object)state;
        grainState.ETag = etag;
        grainState.RecordExists = etag is not null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = grainState.State as UnitState
            ?? throw new InvalidOperationException($"{nameof(PostgresUnitStorage)} stores {nameof(UnitState)} only, not {typeof(T).Name}.");
        var key = Key(grainId);

        // The receipts live in their own table; the stored state does not carry them.
        var receipts = state.Receipts;
        byte[] payload;
        state.Receipts = [];
        try
        {
            payload = serializer.Serialize(state).ToArray();
        }
        finally
        {
            state.Receipts = receipts;
        }

        var receipt = receipts.Count > 0 && receipts[^1].StoredAt == state.LastStoredAt ? receipts[^1] : null;
        var command = BatchCommand("SELECT write_unit_state($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", key);
        command.Parameters.Add(grainState.ETag is { } etag
            ? new NpgsqlParameter<int> { TypedValue = int.Parse(etag, CultureInfo.InvariantCulture) }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
        command.Parameters.Add(receipt is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid } : new NpgsqlParameter<Guid> { TypedValue = receipt.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = receipt?.Hash ?? "" });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = receipt?.Version ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = receipt?.Accepted ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = receipt?.Updated ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = receipt?.Unchanged ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = receipt?.Cleared ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = receipt?.StoredAt.UtcTicks ?? 0 });
        if (await combiner.ScalarAsync(grainId.Key.ToString()!, command) is not int newEtag)
        {
            throw new InconsistentStateException($"Unit state {grainId.Key} was written by someone else (etag {grainState.ETag ?? "none"} is stale).",
                storedEtag: null, currentEtag: grainState.ETag);
        }

        grainState.ETag = newEtag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(grainId);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(BatchCommand("DELETE FROM unit_states WHERE tenant = $1 AND year = $2 AND county = $3 AND unit = $4", key));
        batch.BatchCommands.Add(BatchCommand("DELETE FROM unit_receipts WHERE tenant = $1 AND year = $2 AND county = $3 AND unit = $4", key));
        await batch.ExecuteNonQueryAsync();
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static (string Tenant, string County, string Unit, int Year) Key(GrainId grainId) => GrainKeys.ParseUnit(grainId.Key.ToString()!);

    private static NpgsqlBatchCommand BatchCommand(string sql, (string Tenant, string County, string Unit, int Year) key)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddKey(command.Parameters, key);
        return command;
    }

    private static void AddKey(NpgsqlParameterCollection parameters, (string Tenant, string County, string Unit, int Year) key)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Tenant });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = key.Year });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.County });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Unit });
    }
}
