using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Server.Services;

/// <summary>Bulletin records and documents to and from their protobuf messages.</summary>
internal static class BulletinProtoMapping
{
    public static RenderedBulletin ToRendered(BulletinDocument d) => new()
    {
        Content = System.Text.Encoding.UTF8.GetString(d.Data),
        MediaType = d.MediaType,
        Sha256 = d.Sha256,
        DocumentNumber = d.Number,
        Edition = d.Edition,
        Withdrawn = d.Withdrawn,
        Draft = d.Draft,
    };

    public static BulletinFileInfo ToInfo(BulletinDocument d) => new()
    {
        MediaType = d.MediaType,
        FileName = d.FileName,
        Size = d.Data.Length,
        Sha256 = d.Sha256,
        DocumentNumber = d.Number,
        Edition = d.Edition,
        Withdrawn = d.Withdrawn,
        Draft = d.Draft,
        Recipient = d.Recipient ?? "",
    };

    public static BulletinStatus ToProto(int year, BulletinRecord record)
    {
        var status = new BulletinStatus { Year = year };
        status.Editions.AddRange(record.Editions.Select((e, i) =>
        {
            var edition = new Contracts.V1.BulletinEdition
            {
                Edition = i + 1,
                DocumentNumber = e.Number,
                Title = e.Title,
                IssuedOn = e.Issue.IssuedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                Corrects = e.Corrects ?? "",
                CorrectionReason = e.CorrectionReason ?? "",
                Withdrawn = e.Withdrawn is not null,
                WithdrawnAt = Time(e.Withdrawn?.At),
                WithdrawnBy = e.Withdrawn?.Actor ?? "",
                WithdrawalReason = e.Withdrawn?.Reason ?? "",
                HtmlSha256 = e.HtmlSha256,
                MarkdownSha256 = e.MarkdownSha256,
                PdfSha256 = e.PdfSha256 ?? "",
                ModelSha256 = e.ModelSha256 ?? "",
            };
            edition.Receipts.AddRange((e.Deliveries ?? []).Select(d => new BulletinReceipt
            {
                Recipient = d.Recipient.Id,
                Person = d.Recipient.Person,
                Office = d.Recipient.Office,
                Title = d.Recipient.Title,
                SentAt = Time(d.SentAt),
                OpenedAt = Time(d.OpenedAt),
                DownloadedAt = Time(d.DownloadedAt),
                OpenedSha256 = d.OpenedSha256 ?? "",
                DownloadedSha256 = d.DownloadedSha256 ?? "",
                RemindedAt = Time(d.RemindedAt),
            }));
            return edition;
        }));
        status.Audit.AddRange(record.Audit.Select(a => new BulletinAuditEntry
        {
            At = Time(a.At),
            Actor = a.Actor,
            Action = a.Action,
            Detail = a.Detail,
            Reason = a.Reason ?? "",
        }));
        return status;
    }

    public static MyBulletin ToProto(AddressedBulletin b) => new()
    {
        Year = b.Year,
        Edition = b.Edition,
        DocumentNumber = b.Bulletin.Number,
        Title = b.Bulletin.Title,
        IssuedOn = b.Bulletin.Issue.IssuedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Withdrawn = b.Bulletin.Withdrawn is not null,
        SentAt = Time(b.Delivery.SentAt),
        OpenedAt = Time(b.Delivery.OpenedAt),
    };

    private static Timestamp? Time(DateTimeOffset? at) => at is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
