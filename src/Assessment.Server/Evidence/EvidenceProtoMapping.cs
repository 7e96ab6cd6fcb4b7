using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Evidence;
using Assessment.Grains.Abstractions;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Server.Evidence;

/// <summary>protobuf ↔ 佐证材料.</summary>
public static class EvidenceProtoMapping
{
    /// <summary>The unit a county's own files are listed under on the wire.</summary>
    public const string CountySelf = "self";

    public static UploadHeader FromProto(EvidenceUploadHeader h) => new(h.UploadId, h.Year, h.Indicator, h.FileName, h.Size, h.Sha256);

    public static UploadEvidenceResponse ToProto(Guid id, UploadState state, IndicatorCatalog? catalog) => new()
    {
        UploadId = id.ToString(),
        StoredBytes = state.Stored,
        Size = state.Size,
        File = state.File is { } file ? ToProto(file, catalog) : null,
    };

    public static EvidenceFile ToProto(EvidenceRow row, IndicatorCatalog? catalog)
    {
        var kind = EvidenceKinds.FromId(row.Kind);
        var proto = new EvidenceFile
        {
            Id = row.FileId.ToString(),
            Year = row.Year,
            County = row.County,
            Unit = row.Unit == GrainKeys.CountySelf ? CountySelf : row.Unit,
            Indicator = row.Indicator,
            IndicatorName = catalog is not null && catalog.TryGet(row.Indicator, out var indicator) ? indicator.Name : "",
            FileName = row.FileName,
            Size = row.Size,
            Type = row.Kind,
            MediaType = kind?.MediaType() ?? "application/octet-stream",
            Sha256 = row.Sha256,
            AddedBy = row.AddedBy,
            RemovedBy = row.RemovedBy ?? "",
            RemovalReason = row.RemovalReason ?? "",
        };
        if (row.AttachedAt is { } at)
        {
            proto.AddedAt = Timestamp.FromDateTimeOffset(at);
        }

        if (row.RemovedAt is { } removed)
        {
            proto.RemovedAt = Timestamp.FromDateTimeOffset(removed);
        }

        return proto;
    }

    /// <summary>A page token: where the next page starts (opaque to clients).</summary>
    public static string Token(int? next) => next is { } n ? Convert.ToBase64String(BitConverter.GetBytes(n)) : "";

    public static int? Skip(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        Span<byte> bytes = stackalloc byte[8];
        return Convert.TryFromBase64String(token, bytes, out var written) && written == 4 && BitConverter.ToInt32(bytes) is >= 0 and var skip ? skip : null;
    }
}
