using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// The counties' scoring facts and overview lines as their storage (<see cref="PostgresCountyStorage"/>) keeps them
/// beside each state, each read in one query: what a cold ranking or the round's overview needs, without activating
/// 2,850 grains or parsing their whole states. A row written before such a column (null there) is read from its state.
/// </summary>
public sealed class PostgresCountyFacts(NpgsqlDataSource dataSource, IndicatorCatalog catalog) : ICountyFactsStore
{
    private static readonly JsonGrainStorageSerializer Serializer = new();

    public Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default) =>
        ReadColumnAsync(tenant, year, FactsSql, (county, state) => state.Facts(catalog), ct);

    public Task<IReadOnlyDictionary<string, CountyBoardRow>?> ReadBoardAsync(string tenant, int year, CancellationToken ct = default) =>
        ReadColumnAsync(tenant, year, BoardSql, (county, state) => state.Board(county), ct);

    // Each: the stored column, and the state only where that column is null.
    private const string FactsSql = "SELECT county, facts, CASE WHEN facts IS NULL THEN state END FROM county_states WHERE tenant = $1 AND year = $2";
    private const string BoardSql = "SELECT county, board, CASE WHEN board IS NULL THEN state END FROM county_states WHERE tenant = $1 AND year = $2";

    /// <summary>One stored column of every county of a round, taken from the state where the column is null.</summary>
    private async Task<IReadOnlyDictionary<string, T>?> ReadColumnAsync<T>(string tenant, int year, string sql,
        Func<string, CountyState, T> fromState, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        var rows = new Dictionary<string, T>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var county = reader.GetString(0);
            if (!reader.IsDBNull(1))
            {
                rows[county] = Serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
            }
            else if (Serializer.Deserialize<CountyState>(new BinaryData(reader.GetFieldValue<byte[]>(2))) is { } state)
            {
                rows[county] = fromState(county, state);
            }
        }

        return rows;
    }
}
