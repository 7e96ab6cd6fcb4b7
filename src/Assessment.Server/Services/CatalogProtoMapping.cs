using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Server.Services;

/// <summary>Tenant catalogs as protobuf.</summary>
internal static class CatalogProtoMapping
{
    public static Contracts.V1.Catalog ToProto(int version, string yaml, IndicatorCatalog catalog)
    {
        var response = new Contracts.V1.Catalog { Version = version, Yaml = yaml };
        foreach (var i in catalog.Indicators)
        {
            var row = new CatalogIndicator
            {
                Code = i.Code,
                Name = i.Name,
                Kind = i.Kind.ToString().ToLowerInvariant(),
                Dimension = i.Dimension,
                Source = i.Source.ToString().ToLowerInvariant(),
                Measure = i.Unit ?? "",
                Guidance = i.Guidance ?? "",
                Retired = i.Retired,
                Numerator = i.Numerator ?? "",
                Denominator = i.Denominator ?? "",
            };
            if (i.Source == IndicatorSource.Unit)
            {
                if (i.Reporters.HasFlag(UnitKinds.Township))
                {
                    row.Reporters.Add(UnitKindNames.Township);
                }

                if (i.Reporters.HasFlag(UnitKinds.Department))
                {
                    row.Reporters.Add(UnitKindNames.Department);
                }
            }

            response.Indicators.Add(row);
        }

        return response;
    }

    public static CatalogVersionInfo ToProto(Grains.Abstractions.CatalogVersionSummary v) => new()
    {
        Version = v.Version,
        SavedAt = Timestamp.FromDateTimeOffset(v.SavedAt),
        Actor = v.Actor,
        Note = v.Note ?? "",
        Indicators = v.Indicators,
        Retired = v.Retired,
    };

    public static CatalogVersionInfo ToProto(Grains.Abstractions.CatalogVersion v) =>
        ToProto(new Grains.Abstractions.CatalogVersionSummary(v.Version, v.SavedAt, v.Actor, v.Note, v.Indicators, v.Retired));
}
