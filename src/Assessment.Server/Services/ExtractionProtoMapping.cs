using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Extraction;

namespace Assessment.Server.Services;

/// <summary>Extraction results as protobuf, for text and for files alike.</summary>
internal static class ExtractionProtoMapping
{
    public static ExtractReportResponse ToProto(ExtractionResult result, IndicatorCatalog catalog, Func<int, int>? pageOf = null, string format = "")
    {
        var response = new ExtractReportResponse { Format = format, Level = result.Level.ToString().ToLowerInvariant() };
        response.Warnings.AddRange(result.Warnings);
        // Only the tenant's own indicators, still asked for: a retired one or one the tenant never had is not proposed.
        foreach (var p in result.Proposals.Where(p => catalog.TryGet(p.Code, out var i) && !i.Retired))
        {
            var value = new ExtractedValue
            {
                Code = p.Code,
                Name = catalog[p.Code].Name,
                Value = p.Value,
                Evidence = p.Evidence,
                Start = p.Start,
                End = p.End,
                Confidence = p.Confidence,
                Page = pageOf?.Invoke(p.Start) ?? 0,
                Suggestion = p.Suggestion,
            };
            value.Parts.AddRange(p.Parts);
            response.Values.Add(value);
        }

        return response;
    }
}
