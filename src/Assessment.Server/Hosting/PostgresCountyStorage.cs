using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace Assessment.Server.Hosting;

/// <summary>
/// The county grains' storage (table <c>county_states</c>, migration 0008). One group write of a county is one call of
/// <c>write_county_state</c>: the state, the county's scoring facts and its overview line beside it (what a cold
/// ranking and the round's overview read, see <see cref="PostgresCountyFacts"/>) and the audit entries the write made, in one transaction and one round trip.
/// The entries are stored in the audit log rather than inside the state: after a successful write the written state's
/// <see cref="CountyState.PendingAudit"/> is emptied, which tells the grain they are in the log.
/// </summary>
public sealed class PostgresCountyStorage(NpgsqlDataSource dataSource, bool compressStates = true) : IGrainStorage
{
    // Counties' group writes that arrive together share a round trip and a commit.
    private readonly WriteCombiner combiner = new(dataSource);

    // The state and the facts compressed when large (Assessment.Grains.StoredPayload): both are rewritten with every
    // group write (a cold ranking's 2,850 facts expand in ~10 ms). The overview line stays plain by its size.
    private readonly Assessment.Grains.JsonGrainStorageSerializer serializer = new(compressStates);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var command = Keyed("SELECT etag, state FROM county_states WHERE tenant = $1 AND year = $2 AND county = $3", grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
            grainState.ETag = reader.GetInt32(0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = grainState.State as CountyState
            ?? throw new InvalidOperationException($"{nameof(PostgresCountyStorage)} stores {nameof(CountyState)} only, not {typeof(T).Name}.");
        var chain = grainId.Key.ToString()!;
        var entries = state.PendingAudit;

        // The entries go to the log in this transaction; the stored state does not carry them.
        state.PendingAudit = [];
        byte[] payload;
        try
        {
            payload = serializer.Serialize(state).ToArray();
        }
        finally
        {
            state.PendingAudit = entries;
        }

        // The county computed the facts under its year's catalog; a state from elsewhere (a test) uses the default one.
        var facts = serializer.Serialize(state.StoredFacts ?? state.Facts(IndicatorCatalog.Default)).ToArray();
        var board = serializer.Serialize(state.Board(GrainKeys.ParseCounty(chain).County)).ToArray();
        var command = new NpgsqlBatchCommand("SELECT write_county_state($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
        AddKey(command.Parameters, grainId);
        command.Parameters.Add(grainState.ETag is { } etag
            ? new NpgsqlParameter<int> { TypedValue = int.Parse(etag, System.Globalization.CultureInfo.InvariantCulture) }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = facts });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = board });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chain });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = entries.Select(e => e.Index).ToArray() });
        command.Parameters.Add(Texts(entries.Select(e => e.PrevHash)));
        command.Parameters.Add(Texts(entries.Select(e => e.Body)));
        command.Parameters.Add(Texts(entries.Select(e => e.Hash)));
        object? result;
        try
        {
            result = await combiner.ScalarAsync(chain, command);
        }
        catch (PostgresException e) when (e.SqlState == "AS001")
        {
            throw new Assessment.Grains.Audit.AuditConflictException(chain, entries.Count > 0 ? entries[0].Index : 0);
        }

        if (result is not int newEtag)
        {
            throw new InconsistentStateException($"County state {chain} was written by someone else (etag {grainState.ETag ?? "none"} is stale).",
                storedEtag: null, currentEtag: grainState.ETag);
        }

        grainState.ETag = newEtag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        state.PendingAudit = [];
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var command = Keyed("DELETE FROM county_states WHERE tenant = $1 AND year = $2 AND county = $3", grainId);
        await command.ExecuteNonQueryAsync();
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>A command whose first three parameters are the county's key: tenant, year, county.</summary>
    private NpgsqlCommand Keyed(string sql, GrainId grainId)
    {
        var command = dataSource.CreateCommand(sql);
        AddKey(command.Parameters, grainId);
        return command;
    }

    private static void AddKey(NpgsqlParameterCollection parameters, GrainId grainId)
    {
        var (tenant, county, year) = GrainKeys.ParseCounty(grainId.Key.ToString()!);
        parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = county });
    }

    private static NpgsqlParameter<string[]> Texts(IEnumerable<string> values) =>
        new() { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
