using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.BulletinState")]
public sealed class BulletinState
{
    /// <summary>The number and date reserved for the next edition, until its documents are stored.</summary>
    [Id(0)] public BulletinIssue? Pending { get; set; }

    [Id(1)] public List<PublishedBulletin> Editions { get; set; } = [];

    /// <summary>Issue, withdrawal, correction and reminders, in order.</summary>
    [Id(2)] public List<RoundAuditEntry> Audit { get; set; } = [];
}

/// <summary>
/// A round's bulletins: each edition's number and date allocated once, its documents kept as first stored, never
/// deleted. Editions are few (a results bulletin and its rare corrections); receipts are one per recipient and edition.
/// </summary>
public sealed class BulletinGrain(
    [PersistentState("bulletin", StorageNames.Default)] IPersistentState<BulletinState> state,
    IGrainFactory grains,
    ILogger<BulletinGrain> logger) : Grain, IBulletinGrain
{
    /// <summary>Editions a round may have (the results bulletin and its corrections): bounds the state.</summary>
    public const int MaxEditions = 10;

    private List<PublishedBulletin> Editions => state.State.Editions;

    public async Task<BulletinIssue?> Reserve(DateOnly issuedOn)
    {
        if (state.State.Pending is { } pending)
        {
            return pending;
        }

        if (Editions.Count > 0 && Editions[^1].Withdrawn is null)
        {
            return null;
        }

        if (Editions.Count >= MaxEditions)
        {
            throw new PreconditionException("TOO_MANY_CORRECTIONS", $"本年度通报已更正 {MaxEditions - 1} 次，不能再更正。");
        }

        var (tenant, _) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        // A number taken here and not recorded (the write below fails) is skipped, never handed out twice.
        var number = await grains.GetGrain<IDocumentNumberGrain>(GrainKeys.Round(tenant, issuedOn.Year)).Next();
        state.State.Pending = new BulletinIssue(number, issuedOn);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Pending;
    }

    public async Task<PublishedBulletin> Store(PublishedBulletin documents)
    {
        if (Editions.Find(e => e.Issue == documents.Issue) is { } kept)
        {
            return kept;
        }

        if (state.State.Pending != documents.Issue)
        {
            throw new ConflictException("通报的文号与预留的不一致。");
        }

        Editions.Add(documents);
        state.State.Pending = null;
        state.State.Audit.Add(new RoundAuditEntry(documents.StoredAt, "platform", documents.Corrects is null ? "bulletin_issued" : "bulletin_corrected",
            documents.Corrects is null ? $"印发 {documents.Number}" : $"印发 {documents.Number}，更正 {documents.Corrects}", documents.CorrectionReason));
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return documents;
    }

    public async Task<PublishedBulletin> StorePdf(int edition, byte[] pdf, string sha256)
    {
        var index = IndexOf(edition);
        if (Editions[index].Pdf is null)
        {
            Editions[index] = Editions[index] with { Pdf = pdf, PdfSha256 = sha256 };
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }

        return Editions[index];
    }

    public async Task<BulletinRecord> Withdraw(string actor, string reason, DateTimeOffset at)
    {
        var current = Editions.Count > 0 ? Editions[^1] : throw new PreconditionException("BULLETIN_NOT_ISSUED", "本年度通报尚未印发，无需撤回。");
        if (current.Withdrawn is { } withdrawn)
        {
            return withdrawn.Reason == reason ? Record()
                : throw new PreconditionException("BULLETIN_WITHDRAWN", $"{current.Number} 已于{withdrawn.At.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} 撤回，可印发更正通报。");
        }

        Editions[^1] = current with { Withdrawn = new BulletinWithdrawal(at, actor, reason) };
        state.State.Audit.Add(new RoundAuditEntry(at, actor, "bulletin_withdrawn", $"撤回 {current.Number}", reason));
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return Record();
    }

    public async Task<BulletinDelivery?> RecordReceipt(int edition, string recipient, ReceiptKind kind, string sha256, DateTimeOffset at)
    {
        var index = IndexOf(edition);
        var issued = Editions[index];
        var delivery = issued.Delivery(recipient);
        if (delivery is null)
        {
            return null;
        }

        var updated = kind switch
        {
            ReceiptKind.Downloaded when delivery.DownloadedAt is null => delivery with { DownloadedAt = at, DownloadedSha256 = sha256, OpenedAt = delivery.OpenedAt ?? at },
            ReceiptKind.Opened when delivery.OpenedAt is null => delivery with { OpenedAt = at, OpenedSha256 = sha256 },
            _ => delivery,
        };
        if (updated != delivery)
        {
            Editions[index] = issued with { Deliveries = issued.Deliveries!.Select(d => d.Recipient.Id == recipient ? updated : d).ToArray() };
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }

        return updated;
    }

    public async Task<BulletinRecord> RecordReminder(string[] recipients, string actor, DateTimeOffset at)
    {
        if (Editions.Count == 0 || recipients.Length == 0)
        {
            return Record();
        }

        var edition = Editions[^1];
        Editions[^1] = edition with { Deliveries = (edition.Deliveries ?? []).Select(d => recipients.Contains(d.Recipient.Id) ? d with { RemindedAt = at } : d).ToArray() };
        state.State.Audit.Add(new RoundAuditEntry(at, actor, "bulletin_reminded", $"提醒 {recipients.Length} 位未阅读的分发对象", null));
        if (state.State.Audit.Count > 200)
        {
            state.State.Audit.RemoveAt(state.State.Audit.FindIndex(a => a.Action == "bulletin_reminded"));
        }

        await state.WriteOrRestoreAsync(GrainContext, logger);
        return Record();
    }

    public Task<BulletinRecord> Get() => Task.FromResult(Record());

    /// <summary>Editions are numbered 1, 2, … in order of issue (文号 sequences may repeat across years of issue).</summary>
    private int IndexOf(int edition) =>
        edition >= 1 && edition <= Editions.Count ? edition - 1 : throw new NotFoundException("没有该次印发的通报。");

    private BulletinRecord Record() => new([.. Editions], [.. state.State.Audit], state.State.Pending);
}

[GenerateSerializer, Alias("assessment.DocumentNumberState")]
public sealed class DocumentNumberState
{
    [Id(0)] public int Last { get; set; }
}

/// <summary>A tenant's document numbers of one year of issue; one activation hands them out one at a time.</summary>
public sealed class DocumentNumberGrain(
    [PersistentState("document-numbers", StorageNames.Default)] IPersistentState<DocumentNumberState> state,
    ILogger<DocumentNumberGrain> logger) : Grain, IDocumentNumberGrain
{
    public async Task<int> Next()
    {
        state.State.Last++;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Last;
    }
}
