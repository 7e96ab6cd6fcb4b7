using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using MimeKit;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Mail through a real SMTP server started here (Debian's python3-aiosmtpd): a 退回 reaches the county's and its units'
/// accounts at their own addresses, with a Chinese subject encoded as RFC 2047 words, the reason in the body and the
/// link to the form; accounts without an address, of another county, and every person of another tenant get nothing.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MailTests(PlatformFixture platform)
{
    private const int Year = 2025;

    [Fact]
    public async Task A_退回_is_mailed_to_the_county_and_its_units_with_a_chinese_subject_and_to_no_one_else()
    {
        var inbox = Directory.CreateDirectory(PostgresFixture.ScratchPath($"mail-{Guid.NewGuid():N}")).FullName;
        var smtpPort = FreePort();
        using var smtp = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Tools", "smtp_sink.py"), inbox, smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            Assert.Equal("ready", await smtp.StandardOutput.ReadLineAsync());
            await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), null,
                Extra: ["--Mail:Host=127.0.0.1", $"--Mail:Port={smtpPort}", "--Mail:Security=none", "--Mail:From=法治考核平台 <kaohe@example.gov.cn>", "--Mail:WorkbenchUrl=https://kaohe.example.gov.cn"]));
            var tenant = await TestTenant.CreateAsync(server, Year);
            var other = await TestTenant.CreateAsync(server, Year);
            var admin = new AdminService.AdminServiceClient(server.Channel);
            var op = As(server.OperatorKey());
            async Task Person(string t, string login, string name, string role, string? county, string? unit, string? email) =>
                await admin.CreateAccountAsync(new CreateAccountRequest { Tenant = t, Login = login, Name = name, Role = role, County = county ?? "", Unit = unit ?? "", Email = email ?? "", RequestId = Guid.NewGuid().ToString() }, op);
            await Person(tenant.Id, "county.clerk", "甲县法治办", "county", "c1", null, "county@a.example.cn");
            await Person(tenant.Id, "unit.clerk", "司法局填报员", "unit", "c1", "u1", "unit@a.example.cn");
            await Person(tenant.Id, "no.mail", "无邮箱", "unit", "c1", "u2", null);
            await Person(tenant.Id, "leader", "市领导", "leader", null, null, "leader@a.example.cn");
            await Person(other.Id, "county.clerk", "他市甲县法治办", "county", "c1", null, "county@b.example.cn");

            var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
            await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
            await rounds.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1", Reason = "法律援助案件数缺少佐证材料" }, As(tenant.Assessor));
            // The other tenant's county is returned too, before any of this tenant's mail is read: its mail goes to its own person only.
            await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(other.County));
            await rounds.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1", Reason = "他市的理由" }, As(other.Assessor));

            var until = DateTime.UtcNow.AddSeconds(60);
            while (Directory.GetFiles(inbox, "*.eml").Length < 3)
            {
                Assert.True(DateTime.UtcNow < until, $"{Directory.GetFiles(inbox, "*.eml").Length} messages after 60 s");
                await Task.Delay(200);
            }

            await Task.Delay(2000); // nothing more may come
            var messages = new List<(string Envelope, string Raw, MimeMessage Message)>();
            foreach (var file in Directory.GetFiles(inbox, "*.eml").Order(StringComparer.Ordinal))
            {
                var raw = await File.ReadAllTextAsync(file);
                messages.Add((raw[..raw.IndexOf('\n', StringComparison.Ordinal)], raw, await MimeMessage.LoadAsync(file)));
            }

            Assert.Equal(3, messages.Count);
            var ours = messages.Where(m => m.Message.To.Mailboxes.Single().Address.EndsWith("@a.example.cn", StringComparison.Ordinal)).ToList();
            Assert.Equal(["county@a.example.cn", "unit@a.example.cn"], ours.Select(m => m.Message.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
            foreach (var (envelope, raw, message) in ours)
            {
                Assert.Contains(message.To.Mailboxes.Single().Address, envelope, StringComparison.Ordinal);
                Assert.Equal("【法治政府建设考核】2025 年度考核数据已被退回", message.Subject);
                Assert.Matches(@"(?m)^Subject: =\?utf-8\?[bBqQ]\?", raw);                // RFC 2047 on the wire
                Assert.DoesNotMatch(@"(?m)^Subject:.*[\u4e00-\u9fff]", raw);
                Assert.Equal("kaohe@example.gov.cn", message.From.Mailboxes.Single().Address);
                Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
                Assert.Contains("法律援助案件数缺少佐证材料", message.TextBody, StringComparison.Ordinal);
                Assert.Contains("https://kaohe.example.gov.cn/2025/form", message.TextBody, StringComparison.Ordinal);
                Assert.DoesNotContain("他市", message.TextBody, StringComparison.Ordinal);
            }

            var theirs = messages.Single(m => m.Message.To.Mailboxes.Single().Address == "county@b.example.cn");
            Assert.Contains("他市的理由", theirs.Message.TextBody, StringComparison.Ordinal);

            // A deadline reminder naming u2 (no address) and u1: the unit clerk of u1 and the county clerk are mailed, once.
            var reminder = new Assessment.Grains.Abstractions.RoundNotification(3, DateTimeOffset.UtcNow, "due_soon", TimeSpan.FromDays(-1), 2, ["c1/u1", "c1/u2"], false);
            await using (var db = Npgsql.NpgsqlDataSource.Create(server.Config.ConnectionString))
            {
                await Server.Events.ReminderDeliveries.EnqueueAsync(db, tenant.Id, Year, reminder, CancellationToken.None);
                await Server.Events.ReminderDeliveries.EnqueueAsync(db, tenant.Id, Year, reminder, CancellationToken.None);
            }

            until = DateTime.UtcNow.AddSeconds(60);
            while (Directory.GetFiles(inbox, "*.eml").Length < 5)
            {
                Assert.True(DateTime.UtcNow < until, $"{Directory.GetFiles(inbox, "*.eml").Length} messages after the reminder");
                await Task.Delay(200);
            }

            await Task.Delay(2000);
            var reminders = Directory.GetFiles(inbox, "*.eml").Order(StringComparer.Ordinal).Skip(3).Select(f => MimeMessage.Load(f)).ToList();
            Assert.Equal(["county@a.example.cn", "unit@a.example.cn"], reminders.Select(m => m.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
            Assert.All(reminders, m => Assert.Equal("【法治政府建设考核】2025 年度考核数据填报即将截止", m.Subject));
        }
        finally
        {
            smtp.StandardInput.Close();
            if (!smtp.WaitForExit(5000))
            {
                smtp.Kill();
            }
        }
    }
}
