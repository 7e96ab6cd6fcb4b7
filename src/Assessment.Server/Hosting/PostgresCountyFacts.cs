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
/// <param name="catalogOf">The catalog of a tenant's year (the round's pin), for rows written before the facts column.</param>
public sealed class PostgresCountyFacts(NpgsqlDataSource dataSource, Func<string, int, ValueTask<IndicatorCatalog>> catalogOf) : ICountyFactsStore
{
    /// <summary>A store whose every year uses one catalog (tools and tests outside a silo).</summary>
    public PostgresCountyFacts(NpgsqlDataSource dataSource, IndicatorCatalog catalog)
        : this(dataSource, (_, _) => ValueTask.FromResult(catalog))
    {
    }

    /// <summary>The store of a silo: each year's catalog as its round pinned it.</summary>
    public PostgresCountyFacts(NpgsqlDataSource dataSource, RoundCatalogs catalogs)
        : this(dataSource, async (tenant, year) => (await catalogs.ForYearAsync(tenant, year)).Catalog)
    {
    }

    private static readonly JsonGrainStorageSerializer Serializer = new();

    public async Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default)
    {
        // Rows written before the facts column are computed under the year's catalog.
        var catalog = await catalogOf(tenant, year);
        return await ReadColumnAsync(tenant, year, FactsSql, (county, state) => state.Facts(catalog), ct);
    }

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
