using System.Security.Cryptography;
using System.Text;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Publications;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.BulletinState")]
public sealed class BulletinState : Audit.IDecisionChainState
{
    /// <summary>The number and date reserved for the next edition, until its documents are stored.</summary>
    [Id(0)] public BulletinIssue? Pending { get; set; }

    /// <summary>
    /// Each edition's particulars (文号, title, hashes, withdrawal, recipients and when it was sent to them). Its
    /// documents and receipts live in the <see cref="IBulletinStore"/>; an edition written by an earlier release
    /// carried them here and is moved out when the grain next activates.
    /// </summary>
    [Id(1)] public List<PublishedBulletin> Editions { get; set; } = [];

    /// <summary>Issue, withdrawal and correction, in order (reminders are rows of the store); also in the chain below.</summary>
    [Id(2)] public List<RoundAuditEntry> Audit { get; set; } = [];

    /// <summary>Entries in the bulletins' audit chain ("tenant/year/bulletin": issue, withdrawal, correction).</summary>
    [Id(3)] public int AuditCount { get; set; }

    [Id(4)] public string AuditHash { get; set; } = Domain.Workflow.AuditChain.Genesis;

    /// <summary>Entries stored with this state and not yet appended to the audit log (the next write or activation does).</summary>
    [Id(5)] public List<Domain.Workflow.AuditRecord> PendingAudit { get; set; } = [];
}

/// <summary>
/// A round's bulletins: each edition's number and date allocated once, its documents stored once in the insert-only
/// <see cref="IBulletinStore"/> and never rewritten, never deleted. Receipts and reminders are rows of the store too, so
/// recording one writes no document and no grain state. Editions are few (a results bulletin and its rare corrections).
/// </summary>
public sealed class BulletinGrain(
    [PersistentState("bulletin", StorageNames.Default)] IPersistentState<BulletinState> state,
    IGrainFactory grains,
    IBulletinStore store,
    Audit.IAuditLog auditLog,
    ILogger<BulletinGrain> logger) : Grain, IBulletinGrain
{
    /// <summary>The bulletins' audit chain in the audit log, beside the round's ("tenant/year/round").</summary>
    public static string ChainOf(string tenant, int year) => $"{GrainKeys.Round(tenant, year)}/bulletin";

    /// <summary>Editions a round may have (the results bulletin and its corrections): bounds the state.</summary>
    public const int MaxEditions = 10;

    /// <summary>Reminders shown in a round's bulletin history (the store keeps them all).</summary>
    public const int MaxRemindersShown = 100;

    public const string Html = "html", Markdown = "markdown", Model = "model", Pdf = "pdf";

    private string _round = "";

    /// <summary>What the documents of this grain are called: 通报, or 通知 for a year's 考核通知.</summary>
    private string Word => _round.EndsWith("/notice", StringComparison.Ordinal) ? "通知" : "通报";

    // The editions as read: particulars from the state, documents and receipts from the store.
    private readonly List<PublishedBulletin> _view = [];
    private readonly List<StoredReceipt> _receipts = [];

    private List<PublishedBulletin> Editions => state.State.Editions;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _round = this.GetPrimaryKeyString();
        // Bulletins stored before their decisions had a chain: the decisions they show start it.
        Audit.DecisionChain.StartFrom(state.State, state.State.Audit, "bulletin");
        if (Editions.Exists(Inline))
        {
            await MoveOutAsync();
        }

        await FlushAuditAsync();

        _receipts.AddRange(await store.ReadReceiptsAsync(_round));
        await RebuildViewAsync();
    }

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
            throw new PreconditionException("TOO_MANY_CORRECTIONS", $"本年度{Word}已更正 {MaxEditions - 1} 次，不能再更正。");
        }

        var (tenant, _) = GrainKeys.ParsePublication(_round);
        // A number taken here and not recorded (the write below fails) is skipped, never handed out twice.
        var number = await grains.GetGrain<IDocumentNumberGrain>(GrainKeys.Round(tenant, issuedOn.Year)).Next();
        state.State.Pending = new BulletinIssue(number, issuedOn);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return state.State.Pending;
    }

    public async Task<PublishedBulletin> Store(PublishedBulletin documents)
    {
        if (Editions.FindIndex(e => e.Issue == documents.Issue) is var kept and >= 0)
        {
            return _view[kept];
        }

        if (state.State.Pending != documents.Issue)
        {
            throw new ConflictException($"{Word}的文号与预留的不一致。");
        }

        // The documents first, insert-only: a retry after a failed state write finds them kept (the first kept wins).
        var edition = Editions.Count + 1;
        await KeepAsync(edition, Html, Encoding.UTF8.GetBytes(documents.Html), documents.HtmlSha256);
        await KeepAsync(edition, Markdown, Encoding.UTF8.GetBytes(documents.Markdown), documents.MarkdownSha256);
        if (documents.Model is not null)
        {
            await KeepAsync(edition, Model, Encoding.UTF8.GetBytes(documents.Model), documents.ModelSha256 ?? Sha256(documents.Model));
        }

        if (documents.Pdf is not null)
        {
            await KeepAsync(edition, Pdf, documents.Pdf, documents.PdfSha256 ?? Convert.ToHexStringLower(SHA256.HashData(documents.Pdf)));
        }

        var stored = await store.ReadDocumentsAsync(_round, edition);
        if (stored.FirstOrDefault(d => d.Format == Html)?.Sha256 is { } keptHtml && keptHtml != documents.HtmlSha256)
        {
            // An earlier attempt at this number stored other documents (rendered from other words, e.g. another reason
            // for a correction): they stay the edition's, and this attempt is not mixed into them.
            throw new ConflictException("该文号此前一次未完成的印发已保存了不同的内容；请用与上次相同的内容（如更正原因）重试。");
        }

        Editions.Add(Particulars(documents, stored));
        state.State.Pending = null;
        AddAudit(new RoundAuditEntry(documents.StoredAt, "platform", documents.Corrects is null ? "bulletin_issued" : "bulletin_corrected",
            documents.Corrects is null ? $"印发 {documents.Number}" : $"印发 {documents.Number}，更正 {documents.Corrects}", documents.CorrectionReason));
        await SaveAsync(); // on failure the view is rebuilt from the state as stored
        _view.Add(Compose(edition - 1, stored));
        return _view[^1];
    }

    public async Task<PublishedBulletin> StorePdf(int edition, byte[] pdf, string sha256)
    {
        var index = IndexOf(edition);
        if (_view[index].Pdf is not null)
        {
            return _view[index];
        }

        var kept = await KeepAsync(edition, Pdf, pdf, sha256);
        var bytes = kept == sha256 ? pdf : (await store.ReadDocumentsAsync(_round, edition)).Single(d => d.Format == Pdf).Content;
        Editions[index] = Editions[index] with { PdfSha256 = kept };
        await SaveAsync();
        _view[index] = _view[index] with { Pdf = bytes, PdfSha256 = kept };
        return _view[index];
    }

    public async Task<BulletinRecord> Withdraw(string actor, string reason, DateTimeOffset at)
    {
        var current = Editions.Count > 0 ? Editions[^1] : throw new PreconditionException("BULLETIN_NOT_ISSUED", $"本年度{Word}尚未印发，无需撤回。");
        if (current.Withdrawn is { } withdrawn)
        {
            return withdrawn.Reason == reason ? Record()
                : throw new PreconditionException("BULLETIN_WITHDRAWN", $"{current.Number} 已于{withdrawn.At.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} 撤回，可印发更正{Word}。");
        }

        Editions[^1] = current with { Withdrawn = new BulletinWithdrawal(at, actor, reason) };
        AddAudit(new RoundAuditEntry(at, actor, "bulletin_withdrawn", $"撤回 {current.Number}", reason));
        await SaveAsync();
        _view[^1] = _view[^1] with { Withdrawn = Editions[^1].Withdrawn };
        return Record();
    }

    public async Task<BulletinDelivery?> RecordReceipt(int edition, string recipient, ReceiptKind kind, string sha256, DateTimeOffset at)
    {
        var index = IndexOf(edition);
        if (_view[index].Delivery(recipient) is null)
        {
            return null;
        }

        var receipt = new StoredReceipt(edition, recipient, kind == ReceiptKind.Downloaded ? StoredReceipt.Downloaded : StoredReceipt.Opened, sha256, null, at);
        var kept = await store.KeepReceiptAsync(_round, receipt);
        if (!_receipts.Contains(kept))
        {
            _receipts.Add(kept);
            _view[index] = WithReceipts(index, _view[index]);
        }

        return _view[index].Delivery(recipient);
    }

    public async Task<BulletinRecord> RecordReminder(string[] recipients, string actor, DateTimeOffset at)
    {
        if (Editions.Count == 0 || recipients.Length == 0)
        {
            return Record();
        }

        foreach (var recipient in recipients.Distinct(StringComparer.Ordinal))
        {
            _receipts.Add(await store.KeepReceiptAsync(_round, new StoredReceipt(Editions.Count, recipient, StoredReceipt.Reminded, null, actor, at)));
        }

        _view[^1] = WithReceipts(_view.Count - 1, _view[^1]);
        return Record();
    }

    public Task<BulletinRecord> Get() => Task.FromResult(Record());

    private void AddAudit(RoundAuditEntry entry)
    {
        Audit.DecisionChain.Add(state.State, entry, "bulletin");
        state.State.Audit.Add(entry);
    }

    /// <summary>
    /// Writes the state, then appends the decisions it recorded to the audit log. A failed write leaves the state as
    /// storage has it (it may have been written after all): the view is rebuilt from it before the failure goes on.
    /// </summary>
    private async Task SaveAsync()
    {
        try
        {
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }
        catch
        {
            await RebuildViewAsync();
            throw;
        }

        await FlushAuditAsync();
    }

    private async Task RebuildViewAsync()
    {
        var documents = await store.ReadDocumentsAsync(_round);
        _view.Clear();
        for (var i = 0; i < Editions.Count; i++)
        {
            _view.Add(Compose(i, documents));
        }
    }

    private Task FlushAuditAsync()
    {
        // The results bulletin's chain is "tenant/year/bulletin"; the notice's "tenant/year/notice/bulletin".
        return Audit.DecisionChain.FlushAsync(state.State, auditLog, $"{_round}/bulletin", logger);
    }

    /// <summary>Editions are numbered 1, 2, … in order of issue (文号 sequences may repeat across years of issue).</summary>
    private int IndexOf(int edition) =>
        edition >= 1 && edition <= Editions.Count ? edition - 1 : throw new NotFoundException($"没有该次印发的{Word}。");

    private BulletinRecord Record()
    {
        // Reminders are shown as the history's entries they always were: one per reminder sent, the latest ones.
        var reminders = _receipts.Where(r => r.Kind == StoredReceipt.Reminded && r.Actor is not null)
            .GroupBy(r => (r.Edition, r.At, r.Actor))
            .Select(g => new RoundAuditEntry(g.Key.At, g.Key.Actor!, "bulletin_reminded", $"提醒 {g.Count()} 位未阅读的分发对象", null))
            .TakeLast(MaxRemindersShown);
        return new BulletinRecord([.. _view], [.. state.State.Audit.Concat(reminders).OrderBy(a => a.At)], state.State.Pending);
    }

    private async Task<string> KeepAsync(int edition, string format, byte[] content, string sha256)
    {
        var kept = await store.KeepDocumentAsync(_round, edition, format, content, sha256);
        if (kept != sha256)
        {
            logger.LogWarning("Bulletin {Round} edition {Edition} keeps the {Format} stored first ({Kept}), not the one offered again ({Offered})",
                _round, edition, format, kept, sha256);
        }

        return kept;
    }

    /// <summary>The edition's particulars as the state keeps them: no document, no receipt, the kept documents' hashes.</summary>
    private static PublishedBulletin Particulars(PublishedBulletin full, IReadOnlyList<StoredDocument> stored)
    {
        string? Hash(string format) => stored.FirstOrDefault(d => d.Format == format)?.Sha256;
        return full with
        {
            Html = "",
            Markdown = "",
            Model = null,
            Pdf = null,
            HtmlSha256 = Hash(Html) ?? full.HtmlSha256,
            MarkdownSha256 = Hash(Markdown) ?? full.MarkdownSha256,
            ModelSha256 = Hash(Model) ?? full.ModelSha256,
            PdfSha256 = Hash(Pdf) ?? full.PdfSha256,
            Deliveries = full.Deliveries?.Select(d => new BulletinDelivery(d.Recipient, d.SentAt)).ToArray(),
        };
    }

    /// <summary>An edition as readers see it: its particulars, its documents as kept, its deliveries with their receipts.</summary>
    private PublishedBulletin Compose(int index, IReadOnlyList<StoredDocument> documents)
    {
        var edition = index + 1;
        StoredDocument? Document(string format) => documents.FirstOrDefault(d => d.Edition == edition && d.Format == format);
        var particulars = Editions[index];
        var full = particulars with
        {
            Html = Document(Html) is { } html ? Encoding.UTF8.GetString(html.Content) : "",
            Markdown = Document(Markdown) is { } markdown ? Encoding.UTF8.GetString(markdown.Content) : "",
            Model = Document(Model) is { } model ? Encoding.UTF8.GetString(model.Content) : null,
            Pdf = Document(Pdf)?.Content,
        };
        return WithReceipts(index, full);
    }

    private PublishedBulletin WithReceipts(int index, PublishedBulletin edition)
    {
        if (edition.Deliveries is null)
        {
            return edition;
        }

        var number = index + 1;
        var mine = _receipts.Where(r => r.Edition == number).ToLookup(r => r.Recipient, StringComparer.Ordinal);
        return edition with
        {
            Deliveries = Editions[index].Deliveries!.Select(d =>
            {
                var receipts = mine[d.Recipient.Id].ToList();
                var opened = receipts.Find(r => r.Kind == StoredReceipt.Opened);
                var downloaded = receipts.Find(r => r.Kind == StoredReceipt.Downloaded);
                var reminded = receipts.LastOrDefault(r => r.Kind == StoredReceipt.Reminded);
                // A download opens the copy too; an opening recorded after it changes nothing.
                var (openedAt, openedSha) = downloaded is not null && (opened is null || downloaded.At < opened.At)
                    ? (downloaded.At, (string?)null)
                    : (opened?.At, opened?.Sha256);
                return d with
                {
                    OpenedAt = openedAt,
                    OpenedSha256 = openedSha,
                    DownloadedAt = downloaded?.At,
                    DownloadedSha256 = downloaded?.Sha256,
                    RemindedAt = reminded?.At,
                };
            }).ToArray(),
        };
    }

    /// <summary>Whether an edition still carries its documents or receipts inline (written by an earlier release).</summary>
    private static bool Inline(PublishedBulletin edition) =>
        edition.Html.Length > 0 || edition.Markdown.Length > 0 || edition.Model is not null || edition.Pdf is not null
        || (edition.Deliveries?.Any(d => d.OpenedAt is not null || d.DownloadedAt is not null || d.RemindedAt is not null) ?? false);

    /// <summary>
    /// Moves an earlier release's inline documents and receipts into the store (insert-only, so a move cut short is
    /// finished by the next activation), then writes the particulars back without them.
    /// </summary>
    private async Task MoveOutAsync()
    {
        for (var i = 0; i < Editions.Count; i++)
        {
            var edition = Editions[i];
            var number = i + 1;
            if (edition.Html.Length > 0)
            {
                await KeepAsync(number, Html, Encoding.UTF8.GetBytes(edition.Html), edition.HtmlSha256);
            }

            if (edition.Markdown.Length > 0)
            {
                await KeepAsync(number, Markdown, Encoding.UTF8.GetBytes(edition.Markdown), edition.MarkdownSha256);
            }

            if (edition.Model is not null)
            {
                await KeepAsync(number, Model, Encoding.UTF8.GetBytes(edition.Model), edition.ModelSha256 ?? Sha256(edition.Model));
            }

            if (edition.Pdf is not null)
            {
                await KeepAsync(number, Pdf, edition.Pdf, edition.PdfSha256 ?? Convert.ToHexStringLower(SHA256.HashData(edition.Pdf)));
            }

            foreach (var d in edition.Deliveries ?? [])
            {
                if (d.DownloadedAt is { } downloaded)
                {
                    await store.KeepReceiptAsync(_round, new StoredReceipt(number, d.Recipient.Id, StoredReceipt.Downloaded, d.DownloadedSha256, null, downloaded));
                }

                if (d.OpenedAt is { } opened && (d.OpenedSha256 is not null || d.DownloadedAt != opened))
                {
                    await store.KeepReceiptAsync(_round, new StoredReceipt(number, d.Recipient.Id, StoredReceipt.Opened, d.OpenedSha256, null, opened));
                }

                if (d.RemindedAt is { } reminded)
                {
                    // The history already has the reminder's entry (no actor here, so none is added).
                    await store.KeepReceiptAsync(_round, new StoredReceipt(number, d.Recipient.Id, StoredReceipt.Reminded, null, null, reminded));
                }
            }

            Editions[i] = Particulars(edition, []);
        }

        await state.WriteOrRestoreAsync(GrainContext, logger);
        logger.LogInformation("Bulletin {Round}: moved {Editions} editions' documents and receipts out of the grain state", _round, Editions.Count);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
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
