using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>The 通报 as a publication: a draft until the round is published, then one issued document with its 文号.</summary>
[Collection(ServerCollection.Name)]
public sealed class PublicationTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_published_round_issues_its_bulletin_once_with_a_number_from_the_tenants_sequence_and_the_same_bytes_on_every_read()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        await tenant.OpenRoundAsync(platform.Server, 2024);
        var bulletins = new BulletinService.BulletinServiceClient(platform.Server.Channel);
        var assessor = As(tenant.Assessor);
        var draft = await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, assessor);
        Assert.Contains("征求意见稿", draft.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("〔", draft.Content, StringComparison.Ordinal);

        await tenant.ReviewAndCloseAsync(platform.Server, 2025);
        await tenant.ReviewAndCloseAsync(platform.Server, 2024);
        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        // Two publications at once draw two numbers of the year of issue, never the same one.
        await Task.WhenAll(
            rounds.PublishRoundAsync(new PublishRoundRequest { Year = 2025 }, assessor).ResponseAsync,
            rounds.PublishRoundAsync(new PublishRoundRequest { Year = 2024 }, assessor).ResponseAsync);

        var issueYear = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).Year;
        var numbers = new List<string>();
        foreach (var year in new[] { 2025, 2024 })
        {
            var first = await bulletins.RenderAsync(new RenderBulletinRequest { Year = year }, assessor);
            var again = await bulletins.RenderAsync(new RenderBulletinRequest { Year = year }, assessor);
            Assert.Equal(first.Content, again.Content);
            Assert.Equal(first.Sha256, again.Sha256);
            Assert.DoesNotContain("征求意见稿", first.Content, StringComparison.Ordinal);
            var number = System.Text.RegularExpressions.Regex.Match(first.Content, $"测专法办〔{issueYear}〕(\\d+)号");
            Assert.True(number.Success, first.Content[..Math.Min(600, first.Content.Length)]);
            numbers.Add(number.Groups[1].Value);
            var markdown = await bulletins.RenderAsync(new RenderBulletinRequest { Year = year, Format = BulletinFormat.Markdown }, assessor);
            Assert.Contains($"测专法办〔{issueYear}〕{number.Groups[1].Value}号", markdown.Content, StringComparison.Ordinal);
        }

        Assert.Equal(["1", "2"], numbers.Order());
    }

    [Fact]
    public async Task The_document_sequence_survives_a_restart_and_without_chromium_a_pdf_is_refused_with_the_install_command_while_html_works()
    {
        var settings = new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), null, Extra: ["--Pdf:Chromium=/nonexistent/chromium"]);
        TestTenant tenant;
        string first;
        await using (var server = await StartAsync(settings))
        {
            tenant = await TestTenant.CreateAsync(server, 2025);
            await tenant.OpenRoundAsync(server, 2024);
            await tenant.ReviewAndCloseAsync(server, 2025);
            await new AssessmentService.AssessmentServiceClient(server.Channel).PublishRoundAsync(new PublishRoundRequest { Year = 2025 }, As(tenant.Assessor));

            // The round's decisions are in its own hash chain in the insert-only audit table, in order, and it verifies.
            await using (var db = Npgsql.NpgsqlDataSource.Create(settings.ConnectionString))
            {
                var records = new List<Domain.Workflow.AuditRecord>();
                await using var command = db.CreateCommand("SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = $1 ORDER BY idx");
                command.Parameters.AddWithValue(Assessment.Grains.Grains.RoundGrain.ChainOf(tenant.Id, 2025));
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        records.Add(new Domain.Workflow.AuditRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                    }
                }

                Assert.True(Domain.Workflow.AuditChain.Verify(records).Intact);
                Assert.Equal(["define", "open", "close", "publish"], records.Select(r => Domain.Workflow.AuditChain.Parse(r.Body).Action));

                // The bulletin's issue is in the bulletins' own chain beside it.
                await using var bulletinChain = db.CreateCommand("SELECT body FROM audit_entries WHERE chain = $1 ORDER BY idx");
                bulletinChain.Parameters.AddWithValue(Assessment.Grains.Grains.BulletinGrain.ChainOf(tenant.Id, 2025));
                var actions = new List<string>();
                await using (var reader = await bulletinChain.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        actions.Add(Domain.Workflow.AuditChain.Parse(reader.GetString(0)).Action);
                    }
                }

                Assert.Equal(["bulletin_issued"], actions);
            }

            var bulletins = new BulletinService.BulletinServiceClient(server.Channel);
            var issued = await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
            first = issued.DocumentNumber;
            await IssuedDocumentsAreInsertOnlyAsync(settings.ConnectionString, Assessment.Grains.Abstractions.GrainKeys.Round(tenant.Id, 2025), issued.Sha256, issued.Content.Length);
            using var call = bulletins.Download(new DownloadBulletinRequest { Year = 2025, Format = BulletinFormat.Pdf }, As(tenant.Assessor));
            var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Contains("apt-get install chromium fonts-noto-cjk", refused.Status.Detail, StringComparison.Ordinal);
        }

        await using (var server = await StartAsync(settings))
        {
            await tenant.ReviewAndCloseAsync(server, 2024);
            await new AssessmentService.AssessmentServiceClient(server.Channel).PublishRoundAsync(new PublishRoundRequest { Year = 2024 }, As(tenant.Assessor));
            var second = (await new BulletinService.BulletinServiceClient(server.Channel).RenderAsync(new RenderBulletinRequest { Year = 2024 }, As(tenant.Assessor))).DocumentNumber;
            static int N(string number) => int.Parse(System.Text.RegularExpressions.Regex.Match(number, @"〕(\d+)号").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(N(first) + 1, N(second));
        }
    }

    /// <summary>
    /// The issued documents are rows of the insert-only store with the hash the API gives, the database refuses to
    /// change or remove any of them (and any receipt), and the bulletin grain's stored state carries no document.
    /// </summary>
    private static async Task IssuedDocumentsAreInsertOnlyAsync(string connectionString, string round, string htmlSha256, int htmlLength)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
        var formats = new Dictionary<string, string>();
        await using (var read = db.CreateCommand("SELECT format, sha256, encode(sha256(content), 'hex') FROM bulletin_documents WHERE round = $1"))
        {
            read.Parameters.AddWithValue(round);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Assert.Equal(reader.GetString(1), reader.GetString(2)); // each row's hash is its content's
                formats[reader.GetString(0)] = reader.GetString(1);
            }
        }

        Assert.Equal(htmlSha256, formats["html"]);
        Assert.Contains("markdown", formats.Keys);
        foreach (var change in new[]
        {
            "UPDATE bulletin_documents SET content = 'x'::bytea WHERE round = $1",
            "UPDATE bulletin_documents SET sha256 = 'x' WHERE round = $1",
            "DELETE FROM bulletin_documents WHERE round = $1",
            "TRUNCATE bulletin_documents",
            "TRUNCATE bulletin_receipts",
        })
        {
            await using var command = db.CreateCommand(change);
            if (change.Contains("$1", StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(round);
            }

            var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal("AS003", refused.SqlState);
        }

        await using var state = db.CreateCommand("SELECT payloadbinary FROM orleansstorage WHERE graintypestring = 'bulletin'");
        await using var rows = await state.ExecuteReaderAsync();
        var seen = 0;
        while (await rows.ReadAsync())
        {
            seen++;
            var payload = rows.IsDBNull(0) ? "" : System.Text.Encoding.UTF8.GetString(rows.GetFieldValue<byte[]>(0));
            Assert.Contains("\"Html\":\"\"", payload, StringComparison.Ordinal);
            Assert.Contains("\"Markdown\":\"\"", payload, StringComparison.Ordinal);
            Assert.True(payload.Length < htmlLength / 2, $"the bulletin state is {payload.Length} bytes against an HTML of {htmlLength}");
        }

        Assert.True(seen > 0);
    }
}
