using Assessment.Bulletins;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Notifications;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>A bulletin as handed to one caller: the bytes, what they are, and whose copy.</summary>
public sealed record BulletinDocument(
    byte[] Data, string MediaType, string Sha256, string Number, int Edition, bool Withdrawn, bool Draft, string? Recipient, string FileName);

/// <summary>A bulletin addressed to a leader.</summary>
public sealed record AddressedBulletin(int Year, int Edition, PublishedBulletin Bulletin, BulletinDelivery Delivery);

/// <summary>
/// Where bulletins are handed out: assessors get the issued documents as kept; a leader on the distribution list gets
/// a personal copy (watermarked with name, office and time of sending) and the first reading or download is recorded;
/// leaders not on the list of an edition that has one are refused, and leaders see drafts only when the tenant grants
/// 征求意见. Also the assessors' status, withdrawal, correction and reminders of the unread.
/// </summary>
public sealed class BulletinDesk(IClusterClient cluster, BulletinComposer composer, INotificationSink webhooks, TimeProvider clock)
{
    public async Task<BulletinDocument> ReadAsync(Caller caller, int year, BulletinFormat format, bool pdf, int edition, bool download)
    {
        var info = await composer.RoundAsync(caller.Tenant, year);
        await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile() ?? throw new NotFoundException("租户不存在。");
        if (!info.Published)
        {
            if (edition != 0)
            {
                // Nothing is issued before publication: asking for an edition must not quietly answer with the draft.
                throw new NotFoundException($"{year} 年度的通报尚未印发，没有第 {edition} 次印发的通报；不指定印发次数可取征求意见稿。");
            }

            var draft = await composer.RenderDraftAsync(caller.Tenant, year, format);
            var data = pdf ? await composer.PrintAsync(caller.Tenant, draft.Content) : System.Text.Encoding.UTF8.GetBytes(draft.Content);
            return new BulletinDocument(data, pdf ? BulletinComposer.PdfType : draft.MediaType, BulletinComposer.Sha256(data), "", 0, false, true, null,
                $"{year}年度考核结果通报（征求意见稿）.{Extension(format, pdf)}");
        }

        var record = await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year)).Get();
        if (record.Current is null)
        {
            await composer.IssueAsync(caller.Tenant, year); // published before the bulletin could be kept
            record = await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year)).Get();
        }

        var number = edition == 0 ? record.Editions.Length : edition;
        if (number < 1 || number > record.Editions.Length)
        {
            throw new NotFoundException($"{year} 年度没有第 {edition} 次印发的通报。");
        }

        var issued = record.Editions[number - 1];
        var name = $"{issued.Number}.{Extension(format, pdf)}";
        if (caller.Role != Role.Leader || (issued.Deliveries?.Length ?? 0) == 0)
        {
            if (pdf)
            {
                issued = await composer.PdfAsync(caller.Tenant, year, number);
                return new BulletinDocument(issued.Pdf!, BulletinComposer.PdfType, issued.PdfSha256!, issued.Number, number, issued.Withdrawn is not null, false, null, name);
            }

            var text = format == BulletinFormat.Html ? issued.Html : issued.Markdown;
            return new BulletinDocument(System.Text.Encoding.UTF8.GetBytes(text), format == BulletinFormat.Html ? BulletinComposer.HtmlType : BulletinComposer.MarkdownType,
                format == BulletinFormat.Html ? issued.HtmlSha256 : issued.MarkdownSha256, issued.Number, number, issued.Withdrawn is not null, false, null, name);
        }

        var recipient = Recipient(profile, caller);
        var delivery = recipient is null ? null : issued.Delivery(recipient.Id);
        if (delivery is null)
        {
            throw new PermissionDeniedException(); // not on this edition's distribution list
        }

        var person = delivery.Recipient;
        var html = PersonalCopy.Html(issued.Html, person.Person, person.Office, delivery.SentAt);
        var copy = pdf ? await composer.PrintAsync(caller.Tenant, html)
            : System.Text.Encoding.UTF8.GetBytes(format == BulletinFormat.Html ? html : PersonalCopy.Markdown(issued.Markdown, person.Person, person.Office, delivery.SentAt));
        var sha = BulletinComposer.Sha256(copy);
        await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year))
            .RecordReceipt(number, person.Id, download ? ReceiptKind.Downloaded : ReceiptKind.Opened, sha, clock.GetUtcNow());
        return new BulletinDocument(copy, pdf ? BulletinComposer.PdfType : format == BulletinFormat.Html ? BulletinComposer.HtmlType : BulletinComposer.MarkdownType,
            sha, issued.Number, number, issued.Withdrawn is not null, false, person.Person, name);
    }

    public Task<BulletinRecord> StatusAsync(string tenant, int year) => cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(tenant, year)).Get();

    public async Task<BulletinRecord> WithdrawAsync(Caller caller, int year, string reason)
    {
        await composer.RoundAsync(caller.Tenant, year);
        return await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year)).Withdraw(caller.Name, reason, clock.GetUtcNow());
    }

    public async Task<BulletinRecord> CorrectAsync(Caller caller, int year, string reason)
    {
        await composer.CorrectAsync(caller.Tenant, year, reason);
        return await StatusAsync(caller.Tenant, year);
    }

    /// <summary>Posts the unread recipients of the edition in force to the tenant's webhook (钉钉/企业微信 robots read the markdown part).</summary>
    public async Task<(IReadOnlyList<BulletinRecipient> Unread, bool Posted)> RemindUnreadAsync(Caller caller, int year, CancellationToken ct)
    {
        var bulletin = cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year));
        var current = (await bulletin.Get()).Current ?? throw new PreconditionException("BULLETIN_NOT_ISSUED", $"{year} 年度通报尚未印发。");
        if (current.Withdrawn is not null)
        {
            throw new PreconditionException("BULLETIN_WITHDRAWN", $"{current.Number} 已撤回，不再提醒阅读。");
        }

        var unread = (current.Deliveries ?? []).Where(d => d.OpenedAt is null).Select(d => d.Recipient).ToList();
        if (unread.Count == 0)
        {
            return (unread, false);
        }

        var text = $"### 通报阅读提醒\n\n《{current.Title}》（{current.Number}）已于{PersonalCopy.Stamp(current.StoredAt)}分发，以下同志尚未阅读：\n\n"
            + string.Join("\n", unread.Select(r => $"- {r.Person}（{r.Office}{(r.Title.Length > 0 ? "，" + r.Title : "")}）")) + "\n\n请登录考核平台阅读。";
        var posted = await webhooks.PostAsync(caller.Tenant, new
        {
            kind = "bulletin_unread",
            tenant = caller.Tenant,
            year,
            document_number = current.Number,
            title = current.Title,
            unread = unread.Select(r => new { id = r.Id, person = r.Person, office = r.Office, title = r.Title }),
            msgtype = "markdown",
            markdown = new { title = "通报阅读提醒", text, content = text },
        }, ct);
        if (posted == WebhookPost.Failed)
        {
            throw new UnavailableException("提醒未能送达本市（州）配置的 Webhook，请稍后重试。");
        }

        await bulletin.RecordReminder(unread.Select(r => r.Id).ToArray(), caller.Name, clock.GetUtcNow());
        return (unread, posted == WebhookPost.Posted);
    }

    /// <summary>The bulletins addressed to a leader, newest first.</summary>
    public async Task<IReadOnlyList<AddressedBulletin>> MineAsync(Caller caller)
    {
        var tenant = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant));
        var profile = await tenant.GetProfile() ?? throw new NotFoundException("租户不存在。");
        var recipient = Recipient(profile, caller);
        if (recipient is null)
        {
            return [];
        }

        var list = new List<AddressedBulletin>();
        foreach (var year in await tenant.GetBulletinYears())
        {
            var record = await cluster.GetGrain<IBulletinGrain>(GrainKeys.Round(caller.Tenant, year)).Get();
            for (var i = record.Editions.Length - 1; i >= 0; i--)
            {
                if (record.Editions[i].Delivery(recipient.Id) is { } delivery)
                {
                    list.Add(new AddressedBulletin(year, i + 1, record.Editions[i], delivery));
                }
            }
        }

        return list.OrderByDescending(b => b.Delivery.SentAt).ToList();
    }

    private static BulletinRecipient? Recipient(TenantProfile profile, Caller caller) =>
        caller.CredentialId is null ? null : profile.Distribution?.FirstOrDefault(r => r.CredentialId == caller.CredentialId);

    private static string Extension(BulletinFormat format, bool pdf) => pdf ? "pdf" : format == BulletinFormat.Html ? "html" : "md";
}
