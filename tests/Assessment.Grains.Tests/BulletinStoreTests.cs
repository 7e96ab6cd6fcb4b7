using System.Security.Cryptography;
using System.Text;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Assessment.Grains.Publications;

namespace Assessment.Grains.Tests;

/// <summary>
/// A round's bulletins keep their documents and receipts in the insert-only store, never in the state the grain
/// writes back: issuing stores the documents once, receipts and reminders write no state and no document, and an
/// edition an earlier release stored inline moves out with every byte and every receipt as it was.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BulletinStoreTests(ClusterFixture fixture)
{
    private static int _next;
    private static readonly DateTimeOffset Issued = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    private static string NewRound() => GrainKeys.Round($"bs{Interlocked.Increment(ref _next)}", 2025);

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static BulletinRecipient Recipient(string id) => new(id, $"领导{id}", "市委办", "", new string(id[0], 16));

    private static PublishedBulletin Edition(BulletinIssue issue, params BulletinDelivery[] deliveries)
    {
        const string Html = "<!doctype html><p>关于2025年度法治政府建设考核结果的通报</p>", Markdown = "# 通报", Model = "{\"year\":2025}";
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7 test");
        return new PublishedBulletin(issue, Html, Sha(Html), Markdown, Sha(Markdown), Issued, "那法办〔2026〕3号", "通报", Pdf: pdf,
            PdfSha256: Convert.ToHexStringLower(SHA256.HashData(pdf)), Deliveries: deliveries, Model: Model, ModelSha256: Sha(Model));
    }

    private static void Same(PublishedBulletin expected, PublishedBulletin actual)
    {
        Assert.Equal(expected with { Pdf = null, Deliveries = null }, actual with { Pdf = null, Deliveries = null });
        Assert.Equal(expected.Pdf, actual.Pdf);
        Assert.Equal(expected.Deliveries, actual.Deliveries);
    }

    [Fact]
    public async Task Issuing_keeps_the_documents_once_and_receipts_and_reminders_write_no_state()
    {
        var round = NewRound();
        var grain = fixture.Grains.GetGrain<IBulletinGrain>(round);
        var issue = await grain.Reserve(new DateOnly(2026, 3, 2));
        var offered = Edition(issue!, new BulletinDelivery(Recipient("a"), Issued), new BulletinDelivery(Recipient("b"), Issued));
        var stored = await grain.Store(offered);
        Same(offered, stored);
        Assert.Equal(4, (await ClusterFixture.Bulletins.ReadDocumentsAsync(round)).Count);
        var writes = Faults.Writes[round];

        // Receipts (first of each kind wins) and reminders: rows of the store only.
        await grain.RecordReceipt(1, "a", ReceiptKind.Opened, "sha-open", Issued.AddHours(1));
        await grain.RecordReceipt(1, "a", ReceiptKind.Opened, "sha-later", Issued.AddHours(2));
        await grain.RecordReceipt(1, "b", ReceiptKind.Downloaded, "sha-down", Issued.AddHours(3));
        await grain.RecordReminder(["a", "b"], "考核办", Issued.AddDays(1));
        Assert.Equal(writes, Faults.Writes[round]);

        // The documents as first stored, the receipts as first recorded, after the grain is gone and back.
        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var record = await fixture.Grains.GetGrain<IBulletinGrain>(round).Get();
        var edition = Assert.Single(record.Editions);
        Assert.Equal((offered.Html, offered.HtmlSha256, offered.PdfSha256), (edition.Html, edition.HtmlSha256, edition.PdfSha256));
        Assert.Equal(offered.Pdf, edition.Pdf);
        Assert.Equal((Issued.AddHours(1), "sha-open"), (edition.Delivery("a")!.OpenedAt, edition.Delivery("a")!.OpenedSha256));
        Assert.Equal((Issued.AddHours(3), Issued.AddHours(3), "sha-down"), (edition.Delivery("b")!.OpenedAt, edition.Delivery("b")!.DownloadedAt, edition.Delivery("b")!.DownloadedSha256));
        Assert.All(edition.Deliveries!, d => Assert.Equal(Issued.AddDays(1), d.RemindedAt));
        Assert.Equal(["bulletin_issued", "bulletin_reminded"], record.Audit.Select(a => a.Action));

        // The decisions (issue, then a withdrawal) are the bulletins' own hash chain in the audit log; reminders are not.
        await grain.Withdraw("考核办", "数据有误", Issued.AddDays(2));
        var (tenant, year) = GrainKeys.ParseRound(round);
        var chain = await InMemoryAuditLog.Current!.ReadAsync(BulletinGrain.ChainOf(tenant, year), 0, 100);
        Assert.Equal(["bulletin_issued", "bulletin_withdrawn"], chain.Select(r => Assessment.Domain.Workflow.AuditChain.Parse(r.Body).Action));
        Assert.True(Assessment.Domain.Workflow.AuditChain.Verify([.. chain]).Intact);

        // The store holds the four documents as offered.
        var written = (await ClusterFixture.Bulletins.ReadDocumentsAsync(round)).Select(d => d.Sha256).Order();
        Assert.Equal(new[] { offered.HtmlSha256, offered.MarkdownSha256, offered.ModelSha256!, offered.PdfSha256! }.Order(), written);
    }

    [Fact]
    public async Task An_edition_an_earlier_release_kept_inline_moves_out_with_every_byte_and_receipt()
    {
        var round = NewRound();
        var legacyEdition = Edition(new BulletinIssue(3, new DateOnly(2026, 3, 2)),
            new BulletinDelivery(Recipient("a"), Issued, OpenedAt: Issued.AddHours(1), OpenedSha256: "sha-open"),
            new BulletinDelivery(Recipient("b"), Issued, OpenedAt: Issued.AddHours(2), DownloadedAt: Issued.AddHours(2), DownloadedSha256: "sha-down"),
            new BulletinDelivery(Recipient("c"), Issued, RemindedAt: Issued.AddDays(1)),
            new BulletinDelivery(Recipient("d"), Issued));
        var legacy = new BulletinState
        {
            Editions = [legacyEdition],
            Audit =
            [
                new RoundAuditEntry(Issued, "platform", "bulletin_issued", "印发 那法办〔2026〕3号", null),
                new RoundAuditEntry(Issued.AddDays(1), "考核办", "bulletin_reminded", "提醒 1 位未阅读的分发对象", null),
            ],
        };
        Faults.LegacyBulletins[round] = legacy;

        var grain = fixture.Grains.GetGrain<IBulletinGrain>(round);
        var record = await grain.Get();
        var edition = Assert.Single(record.Editions);
        Same(legacyEdition, edition); // every document, hash and receipt as it was
        Assert.Equal(legacy.Audit, record.Audit); // the reminder once, not twice
        Assert.Equal(1, Faults.Writes[round]); // the state written back once, without them

        var documents = await ClusterFixture.Bulletins.ReadDocumentsAsync(round);
        Assert.Equal(["html", "markdown", "model", "pdf"], documents.Select(d => d.Format).Order());
        Assert.All(documents, d => Assert.Equal(d.Sha256, Convert.ToHexStringLower(SHA256.HashData(d.Content))));
        Assert.Equal(3, (await ClusterFixture.Bulletins.ReadReceiptsAsync(round)).Count);

        // Its decisions start the bulletins' chain as they were recorded.
        var (tenant, year) = GrainKeys.ParseRound(round);
        var chain = await InMemoryAuditLog.Current!.ReadAsync(BulletinGrain.ChainOf(tenant, year), 0, 100);
        Assert.Equal(legacy.Audit.Select(a => a.Action), chain.Select(r => Assessment.Domain.Workflow.AuditChain.Parse(r.Body).Action));

        // Back from storage alone (the legacy read applies only while nothing newer is stored): the same record.
        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var again = await fixture.Grains.GetGrain<IBulletinGrain>(round).Get();
        Same(edition, again.Editions.Single());
        Assert.Equal(1, Faults.Writes[round]);
    }

    [Fact]
    public async Task A_write_storage_reports_as_failed_after_storing_it_leaves_the_record_as_stored()
    {
        // The withdrawal is stored but the storage answers with an error: the grain reads its state back, and what it
        // shows (and answers to the repeat) is the withdrawal, not the edition as it was before.
        var round = NewRound();
        var grain = fixture.Grains.GetGrain<IBulletinGrain>(round);
        var issue = await grain.Reserve(new DateOnly(2026, 3, 2));
        await grain.Store(Edition(issue!, new BulletinDelivery(Recipient("a"), Issued)));

        Faults.FailAfterWrite[round] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.Withdraw("考核办", "数据有误", Issued.AddDays(1)));
        var record = await grain.Get();
        Assert.Equal("数据有误", record.Current!.Withdrawn?.Reason);
        Assert.Equal("数据有误", (await grain.Withdraw("考核办", "数据有误", Issued.AddDays(1))).Current!.Withdrawn?.Reason);

        // A correction stored the same way: the record has it, with its documents.
        var next = await grain.Reserve(new DateOnly(2026, 3, 5));
        Faults.FailAfterWrite[round] = true;
        var correction = Edition(next!) with { Corrects = "那法办〔2026〕3号", CorrectionReason = "数据有误" };
        await Assert.ThrowsAnyAsync<Exception>(() => grain.Store(correction));
        var after = await grain.Get();
        Assert.Equal(2, after.Editions.Length);
        Assert.Equal(correction.Html, after.Editions[1].Html);
        Same(after.Editions[1], await grain.Store(correction)); // the repeat answers the edition as kept
    }
}
