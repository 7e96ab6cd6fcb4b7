using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// The counties' stored grain states (Orleans storage rows of state <c>county</c>, keyed <c>tenant/county/year</c>),
/// read in one query and turned into scoring facts: what a cold ranking needs, without activating 2,850 grains.
/// </summary>
public sealed class PostgresCountyFacts(NpgsqlDataSource dataSource, IndicatorCatalog catalog) : ICountyFactsStore
{
    private static readonly JsonGrainStorageSerializer Serializer = new();

    public async Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT grainidextensionstring, payloadbinary
              FROM orleansstorage
             WHERE serviceid = @service AND graintypestring = 'county' AND grainidextensionstring LIKE @prefix
            """);
        command.Parameters.AddWithValue("service", SiloSetup.ServiceId);
        // Slugs cannot hold '%', '_' is not in them either, and '/' separates: the pattern names exactly this tenant.
        command.Parameters.AddWithValue("prefix", $"{tenant}/%/{year}");
        var facts = new Dictionary<string, CountyFactsSnapshot>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsDBNull(1))
            {
                continue;
            }

            var (_, county, _) = GrainKeys.ParseCounty(reader.GetString(0));
            var state = Serializer.Deserialize<CountyState>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
            if (state is not null)
            {
                facts[county] = new CountyFactsSnapshot(state.Revision, CountyAggregate.Values(catalog, state.Cells), [.. state.Adjustments]);
            }
        }

        return facts;
    }
}
