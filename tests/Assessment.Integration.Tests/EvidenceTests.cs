using System.IO.Compression;
using System.Text;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// 佐证材料 over gRPC against the shared server (whose evidence quotas are small, see <see cref="PlatformFixture"/>):
/// chunked uploads that resume, content-addressed storage, who reads what, the freeze with 上报, removal as a recorded
/// act, and hostile files each refused with its status while nothing is listed.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EvidenceTests(PlatformFixture platform)
{
    private const int Year = 2026;
    private const string Indicator = "legalaid.cases";

    private EvidenceService.EvidenceServiceClient Evidence => new(platform.Server.Channel);

    [Fact]
    public async Task A_unit_uploads_a_file_in_chunks_the_county_and_the_assessor_read_it_another_unit_does_not_and_the_chain_holds_its_hash()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var pdf = Pdf(700_000);
        var answer = await UploadAsync(unit, Header("执法案卷目录.pdf", pdf), pdf, chunk: 200_000);

        var file = answer.File;
        Assert.NotNull(file);
        Assert.Equal((pdf.Length, pdf.Length), (answer.StoredBytes, answer.Size));
        Assert.Equal(("执法案卷目录.pdf", "pdf", "application/pdf", Sha(pdf), (long)pdf.Length), (file.FileName, file.Type, file.MediaType, file.Sha256, file.Size));
        Assert.Equal(("u1", Indicator, "法律援助案件数"), (file.Unit, file.Indicator, file.IndicatorName));
        Assert.Contains("司法局", file.AddedBy, StringComparison.Ordinal);
        Assert.NotNull(file.AddedAt);

        // Listed to the unit, its county and the assessors (naming the county); the bytes come back whole.
        foreach (var (reader, county) in new[] { (unit, ""), (As(tenant.County), ""), (As(tenant.Assessor), "c1") })
        {
            var listed = await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year, County = county }, reader);
            Assert.Equal(file.Id, Assert.Single(listed.Files).Id);
            Assert.Equal(pdf, await DownloadAsync(reader, file.Id));
        }

        // Another unit of the same county neither lists nor reads it: NOT_FOUND, as for an id that is nobody's.
        var sibling = As(tenant.Units["u2"]);
        Assert.Empty((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, sibling)).Files);
        await Refused(StatusCode.NotFound, null, () => DownloadAsync(sibling, file.Id));
        await Refused(StatusCode.NotFound, null, () => DownloadAsync(sibling, Guid.NewGuid().ToString()));
        // Another tenant's assessor, naming the same county, sees nothing of it.
        var other = await TestTenant.CreateAsync(platform.Server, Year);
        Assert.Empty((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year, County = "c1" }, As(other.Assessor))).Files);
        await Refused(StatusCode.NotFound, null, () => DownloadAsync(As(other.Assessor), file.Id));

        // The county's audit chain records the attachment with the file's hash.
        var audit = await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        var entry = Assert.Single(audit.Entries, e => e.Body.Contains("\"action\":\"evidence_add\"", StringComparison.Ordinal));
        Assert.Contains(file.Id, entry.Body, StringComparison.Ordinal);
        Assert.Contains(Sha(pdf), entry.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_upload_resumes_where_it_stopped_a_repeated_chunk_is_skipped_and_one_out_of_order_changes_nothing()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var png = Png(900_000);
        var header = Header("现场照片.png", png);

        // The connection "drops" after two chunks: what was stored stays.
        var first = await UploadAsync(unit, header, png, chunk: 300_000, stopAfter: 2);
        Assert.Null(first.File);
        Assert.Equal(600_000, first.StoredBytes);
        Assert.Equal(600_000, (await Evidence.GetUploadAsync(new GetUploadRequest { UploadId = header.UploadId }, unit)).StoredBytes);
        Assert.Empty((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, unit)).Files);

        // A chunk past the stored offset, or one that overlaps with other bytes, is refused and changes nothing.
        foreach (var (offset, data) in new[] { (700_000L, png[700_000..800_000]), (0L, new byte[300_000]), (300_000L, png[300_000..500_000]) })
        {
            var ex = await Refused(StatusCode.FailedPrecondition, null, () => SendAsync(unit, header, (offset, data)));
            Assert.Contains("600000", ex.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(600_000, (await Evidence.GetUploadAsync(new GetUploadRequest { UploadId = header.UploadId }, unit)).StoredBytes);

        // The resumed stream repeats the last stored chunk (skipped) and sends the rest.
        var resumed = await SendAsync(unit, header, (300_000, png[300_000..600_000]), (600_000, png[600_000..]));
        Assert.Equal(Sha(png), resumed.File.Sha256);
        Assert.Equal(png, await DownloadAsync(unit, resumed.File.Id));

        // The same header again answers the attached file at once; the same id for another file is ALREADY_EXISTS.
        Assert.Equal(resumed.File.Id, (await SendAsync(unit, header)).File.Id);
        var changed = header.Clone();
        changed.FileName = "另一张.png";
        await Refused(StatusCode.AlreadyExists, null, () => SendAsync(unit, changed));
    }

    [Fact]
    public async Task An_upload_whose_every_byte_is_stored_but_never_checked_is_checked_by_the_next_call_with_its_id()
    {
        // As a checker leaves it when its pod dies between the last byte and the check: all bytes stored, no file.
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var bytes = Pdf(200_000);
        var header = Header("中断.pdf", bytes);
        var started = await SendAsync(unit, header, (0, bytes[..100_000]));
        Assert.Equal(100_000, started.StoredBytes);
        await using (var db = new NpgsqlConnection(platform.Server.Config.ConnectionString))
        {
            await db.OpenAsync();
            await using var rest = new NpgsqlBatch(db)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("INSERT INTO evidence_chunks (tenant, blob, at_byte, data) VALUES ($1, $2, 100000, $3)")
                    {
                        Parameters = { new() { Value = tenant.Id }, new() { Value = "upload:" + Guid.Parse(header.UploadId).ToString("N") }, new() { Value = bytes[100_000..] } },
                    },
                    new NpgsqlBatchCommand("UPDATE evidence_uploads SET stored = $1 WHERE tenant = $2 AND upload_id = $3")
                    {
                        Parameters = { new() { Value = (long)bytes.Length }, new() { Value = tenant.Id }, new() { Value = Guid.Parse(header.UploadId) } },
                    },
                },
            };
            await rest.ExecuteNonQueryAsync();
        }

        var resumed = await SendAsync(unit, header);
        Assert.NotNull(resumed.File);
        Assert.Equal(bytes, await DownloadAsync(unit, resumed.File.Id));
    }

    [Fact]
    public async Task The_same_bytes_are_stored_once_per_tenant_and_the_same_upload_sent_twice_at_once_attaches_one_file()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("2025年度法律援助案件登记表：共受理案件12件。\n", 20_000)));
        var header = Header("登记表.txt", text);
        var twice = await Task.WhenAll(
            UploadAsync(As(tenant.Units["u1"]), header, text, chunk: 64 * 1024),
            UploadAsync(As(tenant.Units["u1"]), header, text, chunk: 64 * 1024));
        Assert.Equal(twice[0].File.Id, twice[1].File.Id);
        Assert.Single((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, As(tenant.Units["u1"]))).Files);

        // Another unit sends the same bytes as a file of its own: listed for it, stored once.
        var again = await UploadAsync(As(tenant.Units["u2"]), Header("登记表（复印）.txt", text), text);
        Assert.NotEqual(twice[0].File.Id, again.File.Id);
        await using var db = new NpgsqlConnection(platform.Server.Config.ConnectionString);
        await db.OpenAsync();
        Assert.Equal(1L, await Scalar(db, "SELECT count(*) FROM evidence_blobs WHERE tenant = $1", tenant.Id));
        Assert.Equal((long)text.Length, await Scalar(db, "SELECT sum(length(data)) FROM evidence_chunks WHERE tenant = $1", tenant.Id));
        Assert.Equal(0L, await Scalar(db, "SELECT count(*) FROM evidence_chunks WHERE tenant = $1 AND blob LIKE 'upload:%'", tenant.Id));
    }

    [Fact]
    public async Task After_上报_files_are_frozen_until_退回_and_a_removal_is_recorded_with_its_reason_not_deleted()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var jpeg = Jpeg(50_000);
        var file = (await UploadAsync(unit, Header("会议纪要.jpg", jpeg), jpeg)).File;

        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        var late = Jpeg(40_000);
        var lateHeader = Header("补充.jpg", late);
        var ex = await Refused(StatusCode.FailedPrecondition, null, () => UploadAsync(unit, lateHeader, late));
        Assert.Contains("佐证材料", ex.Status.Detail, StringComparison.Ordinal);
        await Refused(StatusCode.FailedPrecondition, null, () => Evidence.RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = file.Id, Reason = "上传错了" }, unit).ResponseAsync);
        Assert.Single((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, unit)).Files);

        // Refused before any byte was stored.
        await Refused(StatusCode.NotFound, null, () => Evidence.GetUploadAsync(new GetUploadRequest { UploadId = lateHeader.UploadId }, unit).ResponseAsync);

        await rounds.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1", Reason = "请补充材料" }, As(tenant.Assessor));
        Assert.NotNull((await UploadAsync(unit, lateHeader, late)).File);

        await Refused(StatusCode.InvalidArgument, "reason", () => Evidence.RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = file.Id, Reason = "" }, unit).ResponseAsync);
        await Refused(StatusCode.NotFound, null, () => Evidence.RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = file.Id, Reason = "不是我的" }, As(tenant.Units["u2"])).ResponseAsync);
        var removed = await Evidence.RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = file.Id, Reason = "上传错了文件" }, unit);
        Assert.Equal("上传错了文件", removed.RemovalReason);
        Assert.NotNull(removed.RemovedAt);
        Assert.Equal(removed.RemovedAt, (await Evidence.RemoveEvidenceAsync(new RemoveEvidenceRequest { Id = file.Id, Reason = "再撤一次" }, unit)).RemovedAt);

        var listed = await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, unit);
        Assert.DoesNotContain(listed.Files, f => f.Id == file.Id);
        var all = await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year, IncludeRemoved = true }, unit);
        Assert.Equal("上传错了文件", Assert.Single(all.Files, f => f.Id == file.Id).RemovalReason);
        Assert.Equal(jpeg, await DownloadAsync(As(tenant.Assessor), file.Id)); // kept, not deleted

        var audit = await rounds.ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Single(audit.Entries, e => e.Body.Contains("\"action\":\"evidence_remove\"", StringComparison.Ordinal) && e.Body.Contains("上传错了文件", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> HostileFiles() => new()
    {
        // name, content generator, field
        { "报告.pdf", "zip", "content" },
        { "照片.jpg", "pdf", "file_name" },
        { "表格.xlsx", "docx", "file_name" },
        { "文档.docx", "text", "file_name" },
        { "polyglot.pdf", "pdf+zip", "content" },
        { "polyglot.png", "png+zip", "content" },
        { "polyglot.jpg", "jpeg+zip", "content" },
        { "炸弹.docx", "bomb-ratio", "content" },
        { "部件过多.xlsx", "bomb-entries", "content" },
        { "宏.docx", "macro", "content" },
        { "旧版.doc", "ole", "content" },
        { "二进制.bin", "random", "content" },
        { "半个.txt", "bad-utf8", "content" },
        { "截断.docx", "truncated-zip", "content" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task A_hostile_or_mislabelled_file_is_refused_by_content_and_nothing_is_attached(string name, string content, string field)
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var bytes = Content(content);
        var header = Header(name, bytes);
        await Refused(StatusCode.InvalidArgument, field, () => UploadAsync(unit, header, bytes));

        // Nothing listed, nothing kept of the upload, and the server answers the next request.
        Assert.Empty((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year, IncludeRemoved = true }, unit)).Files);
        await Refused(StatusCode.NotFound, null, () => Evidence.GetUploadAsync(new GetUploadRequest { UploadId = header.UploadId }, unit).ResponseAsync);
        var fine = Pdf(10_000);
        Assert.NotNull((await UploadAsync(unit, Header("正常.pdf", fine), fine)).File);
    }

    [Fact]
    public async Task Headers_out_of_bounds_are_refused_before_any_byte_and_names_are_kept_without_paths_or_invisible_characters()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var pdf = Pdf(2_000);
        EvidenceUploadHeader With(Action<EvidenceUploadHeader> change)
        {
            var h = Header("正常.pdf", pdf);
            change(h);
            return h;
        }

        // Each bound of the header, by generated variants.
        var bad = new List<(string Field, EvidenceUploadHeader Header)>
        {
            ("upload_id", With(h => h.UploadId = "")), ("upload_id", With(h => h.UploadId = Guid.Empty.ToString())), ("upload_id", With(h => h.UploadId = "../x")),
            ("year", With(h => h.Year = 1999)), ("year", With(h => h.Year = 2101)),
            ("indicator", With(h => h.Indicator = "")), ("indicator", With(h => h.Indicator = new string('a', 65))), ("indicator", With(h => h.Indicator = "no.such_indicator")),
            ("indicator", With(h => h.Indicator = "org.leading_group")), // a county's own indicator, not a unit's
            ("size", With(h => h.Size = 0)), ("size", With(h => h.Size = -1)), ("size", With(h => h.Size = 50L * 1024 * 1024 + 1)), ("size", With(h => h.Size = long.MaxValue)),
            ("sha256", With(h => h.Sha256 = "")), ("sha256", With(h => h.Sha256 = new string('G', 64))), ("sha256", With(h => h.Sha256 = Sha(pdf)[1..])),
            ("file_name", With(h => h.FileName = "")), ("file_name", With(h => h.FileName = "../../")), ("file_name", With(h => h.FileName = "\u202E\u200B")),
        };
        foreach (var length in new[] { 121, 500, 1_000, 5_000 })
        {
            bad.Add(("file_name", With(h => h.FileName = new string('名', length) + ".pdf")));
        }

        foreach (var (field, header) in bad)
        {
            await Refused(StatusCode.InvalidArgument, field, () => SendAsync(unit, header));
        }

        // A chunk past the declared size, an empty chunk and a header sent twice: INVALID_ARGUMENT, nothing stored.
        var h1 = Header("正常.pdf", pdf);
        await Refused(StatusCode.InvalidArgument, "chunk.offset", () => SendAsync(unit, h1, (0, [.. pdf, 0x20])));
        await Refused(StatusCode.InvalidArgument, "chunk.data", () => SendAsync(unit, h1, (0, [])));
        Assert.Equal(0, (await Evidence.GetUploadAsync(new GetUploadRequest { UploadId = h1.UploadId }, unit)).StoredBytes);

        // Chunks under 64 KiB but the last are refused: a file is never stored as a multitude of tiny rows.
        var big = Pdf(300_000);
        var h2 = Header("大.pdf", big);
        foreach (var length in new[] { 1, 3, 1000, 64 * 1024 - 1 })
        {
            await Refused(StatusCode.InvalidArgument, "chunk.data", () => SendAsync(unit, h2, (0, big[..length])));
        }

        Assert.Equal(0, (await Evidence.GetUploadAsync(new GetUploadRequest { UploadId = h2.UploadId }, unit)).StoredBytes);

        // Paths, bidi overrides, zero-width and control characters leave the name; what remains is kept.
        var names = new Dictionary<string, string>
        {
            ["../../etc/通知.pdf"] = "通知.pdf",
            ["C:\\Users\\张三\\桌面\\纪要.pdf"] = "纪要.pdf",
            ["报告\u202Efdp.exe"] = "报告fdp.exe.pdf",
            ["会议\u200B纪要\u0007.pdf"] = "会议纪要.pdf",
            ["  .. 目录 .pdf  "] = "目录 .pdf",
            ["无扩展名"] = "无扩展名.pdf",
            ["a<b>c|d?.pdf"] = "a_b_c_d_.pdf",
        };
        foreach (var (raw, kept) in names)
        {
            var answer = await UploadAsync(unit, Header(raw, pdf), pdf);
            Assert.Equal(kept, answer.File.FileName);
        }
    }

    [Fact]
    public async Task A_unit_past_its_quota_of_files_or_bytes_and_a_tenant_past_its_own_are_told_RESOURCE_EXHAUSTED()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        for (var i = 0; i < PlatformFixture.EvidenceFilesPerUnit; i++)
        {
            var text = Encoding.UTF8.GetBytes($"第 {i} 份材料\n");
            Assert.NotNull((await UploadAsync(unit, Header($"材料{i}.txt", text), text)).File);
        }

        var extra = Encoding.UTF8.GetBytes("再多一份\n");
        var ex = await Refused(StatusCode.ResourceExhausted, null, () => UploadAsync(unit, Header("多余.txt", extra), extra));
        Assert.Contains("上限", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(PlatformFixture.EvidenceFilesPerUnit, (await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, unit)).Files.Count);

        // Bytes: another unit fills its share, then one more byte-heavy file is refused.
        var second = As(tenant.Units["u2"]);
        var big = Pdf((int)(PlatformFixture.EvidenceBytesPerUnit * 2 / 3));
        Assert.NotNull((await UploadAsync(second, Header("大文件.pdf", big), big)).File);
        var bigger = Pdf((int)(PlatformFixture.EvidenceBytesPerUnit / 2));
        await Refused(StatusCode.ResourceExhausted, null, () => UploadAsync(second, Header("更大.pdf", bigger), bigger));

        // The tenant: a header that would pass its quota is refused before any byte.
        var third = As(tenant.Units["u3"]);
        var header = Header("超出.pdf", Pdf(1000));
        header.Size = PlatformFixture.EvidenceBytesPerTenant + 1;
        await Refused(StatusCode.ResourceExhausted, null, () => SendAsync(third, header));
    }

    [Fact]
    public async Task A_clerk_adds_lists_gets_and_removes_a_file_with_the_CLI_and_adding_it_again_answers_the_same_file()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var key = tenant.Units["u1"];
        var folder = PostgresFixture.ScratchPath($"evidence-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var source = Path.Combine(folder, "案卷目录.pdf");
        var pdf = Pdf(2_500_000); // three chunks of the CLI's 1 MiB
        await File.WriteAllBytesAsync(source, pdf);
        var year = Year.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var added = await AssessCli.RunAsync(platform.Server, key, "evidence", "add", source, "--year", year, "--indicator", Indicator);
        Assert.True(added.Exit == 0, added.Out + added.Err);
        Assert.Contains("已上传：案卷目录.pdf", added.Out, StringComparison.Ordinal);
        Assert.Contains(Sha(pdf), added.Out, StringComparison.Ordinal);
        var again = await AssessCli.RunAsync(platform.Server, key, "evidence", "add", source, "--year", year, "--indicator", Indicator);
        Assert.True(again.Exit == 0, again.Out + again.Err);
        var id = Assert.Single((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, As(key))).Files).Id;
        Assert.Contains(id, again.Out, StringComparison.Ordinal);

        var listed = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "evidence", "list", "--year", year, "--county", "c1");
        Assert.True(listed.Exit == 0, listed.Out + listed.Err);
        Assert.Contains("共 1 个文件", listed.Out, StringComparison.Ordinal);
        Assert.Contains("法律援助案件数", listed.Out, StringComparison.Ordinal);

        var target = Path.Combine(folder, "下载.pdf");
        var got = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "evidence", "get", id, "-o", target);
        Assert.True(got.Exit == 0, got.Out + got.Err);
        Assert.Equal(pdf, await File.ReadAllBytesAsync(target));
        var overwrite = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "evidence", "get", id, "-o", target);
        Assert.NotEqual(0, overwrite.Exit);
        Assert.Contains("已存在", overwrite.Err, StringComparison.Ordinal);

        var other = await AssessCli.RunAsync(platform.Server, tenant.Units["u2"], "evidence", "get", id, "-o", Path.Combine(folder, "他人.pdf"));
        Assert.NotEqual(0, other.Exit);
        Assert.False(File.Exists(Path.Combine(folder, "他人.pdf")));

        var package = Path.Combine(folder, "实地核查.zip");
        var packed = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "evidence", "package", "--year", year, "--county", "c1", "-o", package);
        Assert.True(packed.Exit == 0, packed.Out + packed.Err);
        using (var zip = ZipFile.OpenRead(package))
        {
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/司法局_案卷目录.pdf", StringComparison.Ordinal) && e.Length == pdf.Length);
            Assert.Contains(zip.Entries, e => e.FullName == "index.xlsx");
        }

        var removed = await AssessCli.RunAsync(platform.Server, key, "evidence", "remove", id, "--reason", "文件有误");
        Assert.True(removed.Exit == 0, removed.Out + removed.Err);
        Assert.Contains("原因：文件有误", removed.Out, StringComparison.Ordinal);
        var none = await AssessCli.RunAsync(platform.Server, key, "evidence", "list", "--year", year);
        Assert.Contains("没有佐证材料", none.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_county_package_has_a_folder_per_line_every_file_whole_and_an_index_with_the_hashes()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var pdf = Pdf(1_500_000);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("调解卷宗目录\n", 5_000)));
        var uploaded = new[]
        {
            (Unit: "u1", Name: "目录.pdf", Bytes: pdf, Indicator: Indicator),
            (Unit: "u2", Name: "目录.pdf", Bytes: Pdf(20_000), Indicator: Indicator), // the same name from another unit
            (Unit: "u1", Name: "目录.pdf", Bytes: Pdf(30_000), Indicator: Indicator), // and again from the same unit
            (Unit: "u1", Name: "卷宗.txt", Bytes: text, Indicator: "legalaid.consultations"),
        };
        foreach (var (unit, name, bytes, indicator) in uploaded)
        {
            await EvidenceUpload.SendAsync(platform.Server, As(tenant.Units[unit]), EvidenceUpload.Header(name, bytes, Year, indicator), bytes);
        }

        // A county takes its own package; another county's is refused; a unit takes none.
        await Refused(StatusCode.PermissionDenied, null, () => PackageAsync(As(tenant.County), "c2"));
        await Refused(StatusCode.PermissionDenied, null, () => PackageAsync(As(tenant.Units["u1"]), ""));
        await Refused(StatusCode.NotFound, null, () => PackageAsync(As(tenant.Assessor), "c9"));
        static string[] Names(byte[] package) => [.. new ZipArchive(new MemoryStream(package), ZipArchiveMode.Read).Entries.Select(e => e.FullName)];
        Assert.Equal(Names(await PackageAsync(As(tenant.County), "")), Names(await PackageAsync(As(tenant.County), "c1")));

        using var zip = new ZipArchive(new MemoryStream(await PackageAsync(As(tenant.Assessor), "c1")), ZipArchiveMode.Read);
        var files = zip.Entries.Where(e => e.FullName != "index.xlsx").ToDictionary(e => e.FullName, e => Read(e));
        Assert.Equal(4, files.Count);
        var line = files.Keys.Where(k => k.Contains("法律援助案件数（legalaid.cases）/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, line.Length);
        Assert.Contains(line, k => k.EndsWith("/司法局_目录.pdf", StringComparison.Ordinal));
        Assert.Contains(line, k => k.EndsWith("/司法局_目录（2）.pdf", StringComparison.Ordinal));
        Assert.Contains(line, k => k.EndsWith("/二号单位_目录.pdf", StringComparison.Ordinal));
        Assert.All(files.Keys, k => Assert.Matches(@"^\d\d [^/]+/[^/]+/[^/]+$", k));
        Assert.Equal(uploaded.Select(u => Sha(u.Bytes)).Order(StringComparer.Ordinal), files.Values.Select(Sha).Order(StringComparer.Ordinal));

        // The index lists every file with its path in the package and its hash.
        using var index = new MemoryStream(Read(zip.GetEntry("index.xlsx")!));
        var cells = MiniExcelLibs.MiniExcel.Query(index).Cast<IDictionary<string, object>>().SelectMany(r => r.Values).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.All(uploaded, u => Assert.Contains(Sha(u.Bytes), cells));
        Assert.All(files.Keys, k => Assert.Contains(k, cells));

        static byte[] Read(ZipArchiveEntry entry)
        {
            using var s = entry.Open();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task A_county_proves_its_own_figures_and_anyone_reporting_proves_a_line_the_考核组_scores_but_not_another_units_figure()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var text = "领导小组会议纪要\n"u8.ToArray();
        // The county's own figure, and the 满意度 line the 考核组 scores (no figure to report: only its proof).
        var own = await EvidenceUpload.SendAsync(platform.Server, As(tenant.County), EvidenceUpload.Header("会议纪要.txt", text, Year, "org.leading_group"), text);
        Assert.Equal("self", own.Unit);
        var survey = await EvidenceUpload.SendAsync(platform.Server, As(tenant.Units["u1"]), EvidenceUpload.Header("测评方案.txt", text, Year, "satisfaction.survey_score"), text);
        Assert.Equal("satisfaction.survey_score", survey.Indicator);
        // A county does not attach to a unit's figure, nor a unit to the county's.
        await Refused(StatusCode.InvalidArgument, "indicator", () => SendAsync(As(tenant.County), EvidenceUpload.Header("x.txt", text, Year, Indicator)));
        await Refused(StatusCode.InvalidArgument, "indicator", () => SendAsync(As(tenant.Units["u1"]), EvidenceUpload.Header("x.txt", text, Year, "org.leading_group")));

        // The county lists its units' files and its own; a unit only its own.
        var listed = await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, As(tenant.County));
        Assert.Equal(["org.leading_group", "satisfaction.survey_score"], listed.Files.Select(f => f.Indicator).Order(StringComparer.Ordinal));
        Assert.Single((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = Year }, As(tenant.Units["u1"]))).Files);
    }

    [Fact]
    public async Task A_purge_by_the_archive_rule_deletes_the_old_years_files_keeps_bytes_a_newer_year_names_and_is_recorded()
    {
        // Files of 2012 and of this year; one file's bytes are in both years.
        const int old = 2012;
        var tenant = await TestTenant.CreateAsync(platform.Server, old);
        await tenant.OpenRoundAsync(platform.Server, Year);
        var unit = As(tenant.Units["u1"]);
        var shared = Pdf(40_000);
        var oldOnly = Pdf(50_000);
        var oldFile = await EvidenceUpload.SendAsync(platform.Server, unit, EvidenceUpload.Header("旧.pdf", oldOnly, old), oldOnly);
        await EvidenceUpload.SendAsync(platform.Server, unit, EvidenceUpload.Header("共用.pdf", shared, old), shared);
        var kept = await EvidenceUpload.SendAsync(platform.Server, unit, EvidenceUpload.Header("共用.pdf", shared, Year), shared);
        var database = $"--Database:ConnectionString={platform.Server.Config.ConnectionString}";

        var noReason = await CommandAsync("evidence-purge", tenant.Id, database);
        Assert.Equal(2, noReason.Exit);
        Assert.Contains("--Reason", noReason.Output, StringComparison.Ordinal);
        foreach (var years in new[] { "0", "-3", "十年" })
        {
            var bad = await CommandAsync("evidence-purge", tenant.Id, database, "--Reason=测试", $"--Years={years}");
            Assert.True(bad.Exit == 2, $"--Years={years}: {bad.Output}");
        }

        var purged = await CommandAsync("evidence-purge", tenant.Id, database, "--Reason=档案保管期满（测试）", "--Actor=测试运维", "--Years=10");
        Assert.True(purged.Exit == 0, purged.Output);
        Assert.Contains("2 files, 1 stored files no longer named", purged.Output, StringComparison.Ordinal);

        Assert.Empty((await Evidence.ListEvidenceAsync(new ListEvidenceRequest { Year = old, IncludeRemoved = true }, unit)).Files);
        await Refused(StatusCode.NotFound, null, () => DownloadAsync(unit, oldFile.Id));
        Assert.Equal(shared, await DownloadAsync(unit, kept.Id)); // the bytes a newer year names stay
        await using var db = new NpgsqlConnection(platform.Server.Config.ConnectionString);
        await db.OpenAsync();
        Assert.Equal(1L, await Scalar(db, "SELECT count(*) FROM evidence_blobs WHERE tenant = $1", tenant.Id));
        Assert.Equal(40_000L, await Scalar(db, "SELECT sum(length(data)) FROM evidence_chunks WHERE tenant = $1", tenant.Id));

        var log = await CommandAsync("operations-log", database);
        Assert.True(log.Exit == 0, log.Output);
        Assert.Contains(log.Output.Split('\n'), l => l.Contains("evidence_purge", StringComparison.Ordinal) && l.Contains(tenant.Id, StringComparison.Ordinal)
            && l.Contains("档案保管期满（测试）", StringComparison.Ordinal) && l.Contains("测试运维", StringComparison.Ordinal));
    }

    private async Task<byte[]> PackageAsync(CallOptions options, string county)
    {
        using var call = Evidence.PackageEvidence(new PackageEvidenceRequest { Year = Year, County = county }, options);
        return await ReadChunksAsync(call.ResponseStream);
    }

    /// <summary>A streamed file: each chunk at the offset the ones before it reached, 1 byte to 1 MiB.</summary>
    private static async Task<byte[]> ReadChunksAsync(IAsyncStreamReader<EvidenceChunk> chunks)
    {
        using var bytes = new MemoryStream();
        await foreach (var chunk in chunks.ReadAllAsync())
        {
            Assert.Equal(bytes.Length, chunk.Offset);
            Assert.InRange(chunk.Data.Length, 1, 1024 * 1024);
            chunk.Data.WriteTo(bytes);
        }

        return bytes.ToArray();
    }

    // ---- files ----

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        new System.Random(length).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Pdf(int length)
    {
        var head = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj << /Type /Catalog >> endobj\nstream\n"u8.ToArray();
        var tail = "\nendstream\ntrailer << /Root 1 0 R >>\n%%EOF\n"u8.ToArray();
        return [.. head, .. Random(Math.Max(0, length - head.Length - tail.Length)), .. tail];
    }

    private static byte[] Png(int length) => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Random(length - 8)];

    private static byte[] Jpeg(int length) => [0xFF, 0xD8, 0xFF, 0xE0, .. Random(length - 6), 0xFF, 0xD9];

    private static byte[] Zip(params (string Name, byte[] Data)[] entries) => Zip(CompressionLevel.Fastest, entries);

    private static byte[] Zip(CompressionLevel level, params (string Name, byte[] Data)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var entry = zip.CreateEntry(name, level).Open();
                entry.Write(data);
            }
        }

        return stream.ToArray();
    }

    private static readonly byte[] ContentTypes = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"u8.ToArray();

    private static byte[] Docx() => Zip(("[Content_Types].xml", ContentTypes), ("word/document.xml", "<w:document/>"u8.ToArray()));

    private static byte[] Content(string kind) => kind switch
    {
        "zip" => Zip(("a.txt", "你好"u8.ToArray())),
        "pdf" => Pdf(5_000),
        "docx" => Docx(),
        "text" => "纯文本内容\n"u8.ToArray(),
        "pdf+zip" => [.. Pdf(5_000), .. Zip(("secret.html", "<script>alert(1)</script>"u8.ToArray()))],
        "png+zip" => [.. Png(5_000), .. Zip(("x.txt", "x"u8.ToArray()))],
        "jpeg+zip" => [.. Jpeg(5_000), .. Zip(("x.txt", "x"u8.ToArray()))],
        "bomb-ratio" => Zip(CompressionLevel.SmallestSize, ("[Content_Types].xml", ContentTypes), ("word/document.xml", "<w:document/>"u8.ToArray()), ("word/media/zero.bin", new byte[40 * 1024 * 1024])),
        "bomb-entries" => Zip([("[Content_Types].xml", ContentTypes), ("xl/workbook.xml", "<workbook/>"u8.ToArray()), .. Enumerable.Range(0, 20_001).Select(i => ($"xl/p{i}.xml", Array.Empty<byte>()))]),
        "macro" => Zip(("[Content_Types].xml", ContentTypes), ("word/document.xml", "<w:document/>"u8.ToArray()), ("word/vbaProject.bin", Random(100))),
        "ole" => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. Random(4_000)],
        "random" => Random(4_096),
        "bad-utf8" => [.. "开头是文本"u8.ToArray(), 0xE4, 0xBD],
        "truncated-zip" => Docx()[..^30],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // ---- calls ----

    private static string Sha(byte[] bytes) => EvidenceUpload.Sha(bytes);

    private static EvidenceUploadHeader Header(string name, byte[] bytes) => EvidenceUpload.Header(name, bytes, Year, Indicator);

    /// <summary>Sends the header and the file in chunks from its start; <paramref name="stopAfter"/> chunks, then ends the stream.</summary>
    private Task<UploadEvidenceResponse> UploadAsync(CallOptions options, EvidenceUploadHeader header, byte[] bytes, int chunk = 256 * 1024, int? stopAfter = null)
    {
        var chunks = new List<(long, byte[])>();
        for (var offset = 0; offset < bytes.Length && chunks.Count < (stopAfter ?? int.MaxValue); offset += chunk)
        {
            chunks.Add((offset, bytes[offset..Math.Min(bytes.Length, offset + chunk)]));
        }

        return SendAsync(options, header, [.. chunks]);
    }

    private async Task<UploadEvidenceResponse> SendAsync(CallOptions options, EvidenceUploadHeader header, params (long Offset, byte[] Data)[] chunks)
    {
        using var call = Evidence.UploadEvidence(options);
        try
        {
            await call.RequestStream.WriteAsync(new UploadEvidenceRequest { Header = header });
            foreach (var (offset, data) in chunks)
            {
                await call.RequestStream.WriteAsync(new UploadEvidenceRequest { Chunk = new EvidenceChunk { Offset = offset, Data = ByteString.CopyFrom(data) } });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server answered before the stream ended (a refusal, or the file was already there): the answer says which.
        }

        return await call.ResponseAsync;
    }

    private async Task<byte[]> DownloadAsync(CallOptions options, string id)
    {
        using var call = Evidence.DownloadEvidence(new DownloadEvidenceRequest { Id = id }, options);
        return await ReadChunksAsync(call.ResponseStream);
    }

    private static async Task<long> Scalar(NpgsqlConnection db, string sql, string tenant)
    {
        await using var command = new NpgsqlCommand(sql, db) { Parameters = { new() { Value = tenant } } };
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<RpcException> Refused(StatusCode code, string? field, Func<Task> call) => Refusals.ExpectAsync(code, field, call);
}
