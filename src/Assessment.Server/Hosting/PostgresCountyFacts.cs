using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// The counties' scoring facts as their storage (<see cref="PostgresCountyStorage"/>) keeps them beside each state, read
/// in one query: what a cold ranking needs, without activating 2,850 grains or parsing their whole states. A row
/// carried over from before the facts column (null facts) is read from its state.
/// </summary>
public sealed class PostgresCountyFacts(NpgsqlDataSource dataSource, IndicatorCatalog catalog) : ICountyFactsStore
{
    private static readonly JsonGrainStorageSerializer Serializer = new();

    public async Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT county, facts, CASE WHEN facts IS NULL THEN state END FROM county_states WHERE tenant = $1 AND year = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        var facts = new Dictionary<string, CountyFactsSnapshot>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var county = reader.GetString(0);
            if (!reader.IsDBNull(1))
            {
                facts[county] = Serializer.Deserialize<CountyFactsSnapshot>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
            }
            else if (Serializer.Deserialize<CountyState>(new BinaryData(reader.GetFieldValue<byte[]>(2))) is { } state)
            {
                facts[county] = state.Facts(catalog);
            }
        }

        return facts;
    }
}
