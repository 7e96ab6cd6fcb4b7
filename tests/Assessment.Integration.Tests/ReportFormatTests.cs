using System.Diagnostics;
using System.Net;
using System.Text;
using Assessment.Contracts.V1;
using Assessment.Documents;
using Assessment.Domain.Extraction;
using Assessment.Integration.Tests.Infrastructure;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Reports as counties have them: a PDF printed by Chromium and a Word file made from the fixture texts, with a table,
/// give the same proposals as the text; a saved web page gives its article only; hostile files are refused in bounded time.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ReportFormatTests(PlatformFixture platform)
{
    private const string Table = "<table><tr><th>项目</th><th>数量（件）</th></tr><tr><td>司法确认</td><td>7</td></tr></table>";

    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "reports", name + ".txt"));

    private static Dictionary<string, double> Proposals(string text) =>
        ReportExtractor.Default.Extract(text).Proposals.ToDictionary(p => p.Code, p => p.Value);

    private static string Html(string text, string extra = "") =>
        "<!doctype html><html><head><meta charset=utf-8><style>body{font-family:'Noto Serif CJK SC'}</style></head><body>"
        + string.Concat(text.Split('\n').Where(l => l.Trim().Length > 0).Select(l => $"<p>{WebUtility.HtmlEncode(l)}</p>")) + extra + "</body></html>";

    [Theory]
    [InlineData("asuo-2024")]
    [InlineData("zeku-sfj-2024")]
    public async Task A_pdf_with_a_table_gives_the_proposals_of_the_text_and_reads_the_table_cell_with_its_headers(string name)
    {
        var text = Fixture(name);
        var pdf = await Chromium.PrintAsync(Html(text, Table));
        var report = ReportReader.Read(pdf, name + ".pdf");
        Assert.Equal("pdf", report.Format);
        var expected = Proposals(text);
        var got = Proposals(report.Text);
        Assert.Equal(7, got["mediation.judicial_confirmations"]);
        got.Remove("mediation.judicial_confirmations");
        expected.Remove("mediation.judicial_confirmations");
        Assert.Equal(expected.OrderBy(kv => kv.Key), got.OrderBy(kv => kv.Key));
        Assert.All(ReportExtractor.Default.Extract(report.Text).Proposals, p => Assert.InRange(report.PageOf(p.Start), 1, report.PageStarts.Count));
    }

    [Fact]
    public void A_word_file_with_a_table_gives_the_proposals_of_the_text()
    {
        var text = Fixture("purang-2025");
        var report = ReportReader.Read(Docx(text, ["项目", "数量（件）"], ["司法确认", "7"]), "report.docx");
        var got = Proposals(report.Text);
        Assert.Equal(7, got["mediation.judicial_confirmations"]);
        var expected = Proposals(text);
        got.Remove("mediation.judicial_confirmations");
        expected.Remove("mediation.judicial_confirmations");
        Assert.Equal(expected.OrderBy(kv => kv.Key), got.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void A_saved_web_page_gives_its_article_and_not_the_site_around_it()
    {
        var text = Fixture("asuo-2024");
        var page = "<!doctype html><html><body><nav><ul><li>首页</li><li>累计发放宣传资料99999份</li></ul></nav><div class=menu><a>政务公开</a></div>"
            + "<div class=article>" + string.Concat(text.Split('\n').Where(l => l.Trim().Length > 0).Select(l => $"<p>{WebUtility.HtmlEncode(l)}</p>")) + "</div>"
            + "<footer>网站访问量开展法治宣传活动123456次</footer><script>var x='受理法律援助案件888件';</script></body></html>";
        var report = ReportReader.Read(Encoding.UTF8.GetBytes(page), "report.html");
        Assert.Equal("html", report.Format);
        Assert.Equal(Proposals(text).OrderBy(kv => kv.Key), Proposals(report.Text).OrderBy(kv => kv.Key));
    }

    [Fact]
    public async Task Scans_too_many_pages_bombs_bad_encodings_and_broken_files_are_refused_in_bounded_time()
    {
        var clock = Stopwatch.StartNew();
        var scan = await Chromium.PrintAsync("<!doctype html><body><div style='width:400px;height:600px;background:#888'></div></body>");
        Assert.Contains("扫描件", Refused(() => ReportReader.Read(scan, "scan.pdf")), StringComparison.Ordinal);

        var pages = await Chromium.PrintAsync("<!doctype html><body>" + string.Concat(Enumerable.Range(1, 201).Select(i => $"<p style='page-break-after:always'>第{i}页</p>")) + "</body>");
        Assert.Contains("201 页", Refused(() => ReportReader.Read(pages, "long.pdf")), StringComparison.Ordinal);
        Assert.Contains("损坏", Refused(() => ReportReader.Read(pages[..(pages.Length / 3)], "cut.pdf")), StringComparison.Ordinal);

        var docx = Docx("正文", ["a"], ["b"]);
        Assert.Contains("过大", Refused(() => ReportReader.Read(Bomb(docx), "bomb.docx")), StringComparison.Ordinal);
        Assert.Contains("编码", Refused(() => ReportReader.Read([0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00], "bad.txt")), StringComparison.Ordinal);
        Assert.Contains(".doc", Refused(() => ReportReader.Read([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "old.doc")), StringComparison.Ordinal);
        Assert.Contains("过大", Refused(() => ReportReader.Read(new byte[21 * 1024 * 1024], "huge.txt")), StringComparison.Ordinal);

        // A page nested 100,000 elements deep is refused before parsing; 500 deep is read (without recursion).
        string Nested(int depth) => "<!doctype html><html><body>" + string.Concat(Enumerable.Repeat("<div>", depth)) + "<p>受理法律援助案件12件。</p>" + "</body></html>";
        Assert.Contains("嵌套", Refused(() => ReportReader.Read(Encoding.UTF8.GetBytes(Nested(100_000)), "deep.html")), StringComparison.Ordinal);
        Assert.Equal(12, Proposals(ReportReader.Read(Encoding.UTF8.GetBytes(Nested(500)), "deep.html").Text)["legalaid.cases"]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
    }

    /// <summary>
    /// A refusal as the person reads it: Chinese, with no English sentence of a parser in it (names of formats such as
    /// PDF or .docx may appear); the parser's own text stays the inner exception, for the log.
    /// </summary>
    private static string Refused(Action read)
    {
        var refused = Assert.Throws<DocumentException>(read);
        var words = System.Text.RegularExpressions.Regex.Matches(refused.Message, "[A-Za-z]{4,}").Select(m => m.Value)
            .Where(w => w is not ("docx" or "html" or "HTML" or "Word" or "xlsx" or "Excel" or "WPS"));
        Assert.True(!words.Any(), $"English in a refusal: {refused.Message}");
        return refused.Message;
    }

    [Fact]
    public async Task A_unit_submits_from_a_pdf_report_end_to_end()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var file = PostgresFixture.ScratchPath($"report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, await Chromium.PrintAsync(Html("全年受理法律援助案件15件，解答法律咨询320人次，代写文书21件。")));
        var result = await AssessCli.RunAsync(platform.Server, tenant.Units["u1"], "submit", "--from-report", file, "--year", "2025", "--yes");
        Assert.True(result.Exit == 0, result.Out + result.Err);
        Assert.Contains("第 1 页", result.Out, StringComparison.Ordinal);
        var stored = await new SubmissionService.SubmissionServiceClient(platform.Server.Channel)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2025 }, As(tenant.Units["u1"]));
        Assert.Equal(15, stored.Values.Single(v => v.Code == "legalaid.cases").Value);
        Assert.Equal(320, stored.Values.Single(v => v.Code == "legalaid.consultations").Value);
        Assert.Equal(21, stored.Values.Single(v => v.Code == "legalaid.documents_drafted").Value);
    }

    [Fact]
    public async Task The_server_reads_a_report_file_in_a_child_process_and_refuses_bad_ones_without_harm()
    {
        var client = new ReportService.ReportServiceClient(platform.Server.Channel);
        var unit = As(platform.Keys["alpha/u1"]);
        var pdf = await Chromium.PrintAsync(Html(Fixture("asuo-2024")));
        var read = await client.ExtractReportFileAsync(new ExtractReportFileRequest { Content = Google.Protobuf.ByteString.CopyFrom(pdf), FileName = "阿索乡.pdf" }, unit);
        Assert.Equal("pdf", read.Format);
        Assert.Equal(12, read.Values.Single(v => v.Code == "mediation.disputes_received").Value);
        Assert.All(read.Values, v => Assert.Equal(1, v.Page));

        async Task<Grpc.Core.RpcException> Refused(byte[] content, string name) => await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            client.ExtractReportFileAsync(new ExtractReportFileRequest { Content = Google.Protobuf.ByteString.CopyFrom(content), FileName = name }, unit).ResponseAsync);
        var cut = await Refused(pdf[..(pdf.Length / 3)], "cut.pdf");
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, cut.StatusCode);
        Assert.Contains("损坏", cut.Status.Detail + string.Concat(cut.Trailers.Select(t => t.IsBinary ? Encoding.UTF8.GetString(t.ValueBytes) : t.Value)), StringComparison.Ordinal);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, (await Refused([], "empty.txt")).StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, (await Refused(new byte[21 * 1024 * 1024], "huge.txt")).StatusCode);
        var deep = Encoding.UTF8.GetBytes("<!doctype html><html><body>" + string.Concat(Enumerable.Repeat("<div>", 200_000)) + "</body></html>");
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, (await Refused(deep, "deep.html")).StatusCode);

        // The server is unharmed: the next file reads as the first did.
        Assert.Equal(read.Values.Count, (await client.ExtractReportFileAsync(new ExtractReportFileRequest { Content = Google.Protobuf.ByteString.CopyFrom(pdf) }, unit)).Values.Count);
    }

    private static byte[] Docx(string text, string[] header, string[] row)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            foreach (var line in text.Split('\n').Where(l => l.Trim().Length > 0))
            {
                body.Append(new Paragraph(new Run(new Text(line) { Space = SpaceProcessingModeValues.Preserve })));
            }

            static TableRow Row(string[] cells) => new(cells.Select(c => new TableCell(new Paragraph(new Run(new Text(c))))));
            body.Append(new DocumentFormat.OpenXml.Wordprocessing.Table(Row(header), Row(row)));
            main.Document = new Document(body);
        }

        return stream.ToArray();
    }

    private static byte[] Bomb(byte[] docx)
    {
        using var stream = new MemoryStream();
        stream.Write(docx);
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("word/filler.xml", System.IO.Compression.CompressionLevel.SmallestSize).Open();
            var block = new byte[1024 * 1024];
            for (var i = 0; i < 210; i++)
            {
                entry.Write(block);
            }
        }

        return stream.ToArray();
    }
}
