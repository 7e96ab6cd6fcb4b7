using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;

namespace Assessment.Server.Mail;

/// <summary>
/// Sends due mail (<c>mail_deliveries</c>, made by the audit trigger of migration 0020) through the configured SMTP relay
/// with MailKit, on every replica: rows are claimed ten at a time with <c>FOR UPDATE SKIP LOCKED</c> and a lease of ten
/// minutes (longer than ten sends of at most 30 s each), one
/// connection serves a batch, a refused or unreachable send is tried again after 1, 5, 30 minutes and 2 hours, and mail
/// not sent within three days is given up (a person should not get a 退回 notice from last week).
/// </summary>
public sealed class MailDispatcher(NpgsqlDataSource dataSource, Microsoft.Extensions.Options.IOptions<MailOptions> options, ILogger<MailDispatcher> logger) : BackgroundService
{
    public const int MaxAttempts = 5;
    private const int Batch = 10;

    private readonly MailOptions _mail = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Without a relay nothing is sent, but mail older than three days is still given up (and counted), so the table
        // stays bounded until one is configured.
        var counted = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = _mail.Enabled ? await SendDueAsync(stoppingToken) : 0;
                if (DateTimeOffset.UtcNow - counted > TimeSpan.FromSeconds(15))
                {
                    counted = DateTimeOffset.UtcNow;
                    await ExpireAsync(stoppingToken);
                    await using var count = dataSource.CreateCommand($"SELECT count(*) FROM mail_deliveries WHERE sent_at IS NULL AND attempts < {MaxAttempts}");
                    Grains.PlatformMeter.MailPending((long)(await count.ExecuteScalarAsync(stoppingToken))!);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Nothing may end this loop (an exception here would stop the host): log, wait, go on.
                logger.LogWarning(ex, "Mail could not be sent ({Error}); trying again shortly", ex.GetType().Name);
            }

            try
            {
                await Task.Delay(sent == Batch ? TimeSpan.Zero : _mail.Enabled ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ExpireAsync(CancellationToken ct)
    {
        await using var expire = dataSource.CreateCommand($"""
            UPDATE mail_deliveries SET attempts = {MaxAttempts}, last_error = '三天内未能发出，已放弃'
             WHERE sent_at IS NULL AND attempts < {MaxAttempts} AND created_at < now() - interval '3 days';
            DELETE FROM mail_deliveries WHERE created_at < now() - interval '30 days';
            """);
        await expire.ExecuteNonQueryAsync(ct);
    }

    private async Task<int> SendDueAsync(CancellationToken ct)
    {
        var due = new List<(long Id, string Kind, string Address, string Name, string Data)>();
        await using (var claim = dataSource.CreateCommand($"""
            WITH due AS (
                SELECT id FROM mail_deliveries WHERE sent_at IS NULL AND attempts < {MaxAttempts} AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT {Batch} FOR UPDATE SKIP LOCKED)
            UPDATE mail_deliveries m SET next_attempt_at = now() + interval '10 minutes' FROM due WHERE m.id = due.id
            RETURNING m.id, m.kind, m.to_address, m.to_name, m.data
            """))
        {
            await using var reader = await claim.ExecuteReaderAsync(ct);
            do
            {
                while (await reader.ReadAsync(ct))
                {
                    due.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
                }
            }
            while (await reader.NextResultAsync(ct));
        }

        if (due.Count == 0)
        {
            return 0;
        }

        using var smtp = new SmtpClient { Timeout = 30_000 };
        string? connectionError = null;
        try
        {
            await smtp.ConnectAsync(_mail.Host, _mail.Port, _mail.Security switch
            {
                "none" => SecureSocketOptions.None,
                "tls" => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTls,
            }, ct);
            if (_mail.User.Length > 0)
            {
                await smtp.AuthenticateAsync(_mail.User, _mail.Password, ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            connectionError = $"无法连接邮件服务器（{ex.GetType().Name}）";
        }

        foreach (var mail in due)
        {
            var error = connectionError;
            if (error is null)
            {
                try
                {
                    await smtp.SendAsync(Compose(mail.Kind, mail.Address, mail.Name, mail.Data), ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    error = $"发送失败（{ex.GetType().Name}）";
                }
            }

            await using var record = dataSource.CreateCommand("""
                UPDATE mail_deliveries SET attempts = attempts + 1, last_error = @error, sent_at = CASE WHEN @error IS NULL THEN now() END,
                       next_attempt_at = now() + CASE attempts WHEN 0 THEN interval '1 minute' WHEN 1 THEN interval '5 minutes'
                                                               WHEN 2 THEN interval '30 minutes' ELSE interval '2 hours' END
                 WHERE id = @id
                """);
            record.Parameters.AddWithValue("id", mail.Id);
            record.Parameters.Add(new NpgsqlParameter<string?>("error", error) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await record.ExecuteNonQueryAsync(ct);
        }

        if (smtp.IsConnected)
        {
            await smtp.DisconnectAsync(quit: true, ct);
        }

        return due.Count;
    }

    private MimeMessage Compose(string kind, string address, string name, string data)
    {
        var (subject, body) = MailTexts.Render(kind, name, data, _mail.WorkbenchUrl);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_mail.From));
        message.To.Add(new MailboxAddress(name, address));
        message.Subject = subject; // MimeKit writes non-ASCII as RFC 2047 encoded words
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }
}
