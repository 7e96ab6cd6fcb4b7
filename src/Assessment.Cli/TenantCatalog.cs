using System.CommandLine;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Grpc.Core;

namespace Assessment.Cli;

/// <summary>
/// The caller's tenant's indicator catalog, as the server keeps it: a year's (the version its round pinned) or the latest.
/// Every command that names or reads indicators goes by it, never by the national default alone.
/// </summary>
internal static class TenantCatalog
{
    /// <summary>The catalog of a year (0: the latest), read over an open channel.</summary>
    public static async Task<IndicatorCatalog> FetchAsync(ClientChannel channel, CallOptions options, int year)
    {
        var catalog = await new CatalogService.CatalogServiceClient(channel).GetCatalogAsync(new GetCatalogRequest { Year = year }, options);
        return IndicatorCatalog.FromText(catalog.Yaml);
    }

    /// <summary>The catalog of a year (0: the latest), over a channel opened for the purpose.</summary>
    public static async Task<IndicatorCatalog> FetchAsync(ParseResult parse, int year, CancellationToken ct)
    {
        var (channel, options) = Connection.Open(parse, ct);
        using (channel)
        {
            return await FetchAsync(channel, options, year);
        }
    }
}
