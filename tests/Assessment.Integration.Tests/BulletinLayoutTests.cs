using System.Net;
using System.Text.RegularExpressions;
using Assessment.Bulletins;
using Assessment.Server.Services;
using Microsoft.Extensions.Logging.Abstractions;
using UglyToad.PdfPig;

namespace Assessment.Integration.Tests;

/// <summary>
/// GB/T 9704 page breaks of the printed 通报: wherever on a page the 正文 ends, the 署名, the 成文日期 and the 附注 stay on
/// the page of its last lines, and a leader's personal copy adds no page of its own. Generated: the 正文 is lengthened
/// line by line across a whole page, and every print is read back with PdfPig.
/// </summary>
public sealed partial class BulletinLayoutTests
{
    private static string Page(PdfDocument document, int index) =>
        Documents.ReportReader.UnifyRadicals(string.Concat(document.GetPage(index).Letters.Select(l => l.Value)));

    [Fact]
    public async Task The_signature_date_and_note_stay_with_the_end_of_the_body_wherever_it_ends()
    {
        string[] names = ["城关区", "安多县", "聂荣县", "比如县", "嘉黎县", "索县"];
        var input = new BulletinInput("那曲市", "那曲市全面依法治市委员会办公室", "那法办", "各县（区）", 2025, 2, new DateOnly(2026, 3, 2), true, "测试细则",
            ["优秀", "良好", "合格"], [new BulletinDimension("org", "组织领导", 40), new BulletinDimension("law", "依法行政", 60)],
            names.Select((n, i) => new BulletinRow(i + 1, $"c{i}", n, 95 - (i * 3.5), i < 2 ? "优秀" : "良好", [38 - i, 57 - (i * 2.5)], false, false)).ToArray());
        var issued = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        var last = WebUtility.HtmlDecode(LastParagraph().Match(issued).Groups[1].Value);
        var ending = last[^6..];
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new PdfOptions()), NullLogger<PdfPrinter>.Instance);
        var failures = new List<string>();
        // One 三号 line holds 28 characters and a page 22 lines: 0–23 extra lines move the end of the 正文 over a page.
        for (var lines = 0; lines <= 23; lines++)
        {
            var filler = lines == 0 ? "" : $"<p>{string.Concat(Enumerable.Repeat("依法行政考核情况说明", lines * 28 / 10 + 1))[..(lines * 28 - 2)]}。</p>\n";
            var html = issued.Replace("<h2>三、存在问题</h2>", filler + "<h2>三、存在问题</h2>", StringComparison.Ordinal);
            foreach (var (kind, document) in new[] { ("issued", html), ("personal copy", PersonalCopy.Html(html, "王市长", "那曲市人民政府", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)))) })
            {
                var bytes = await printer.PrintAsync(document, "layout");
                if (Environment.GetEnvironmentVariable("LAYOUT_DUMP") is { Length: > 0 } dump)
                {
                    File.WriteAllBytes(Path.Combine(dump, $"{lines}-{kind.Replace(' ', '-')}.pdf"), bytes);
                    File.WriteAllText(Path.Combine(dump, $"{lines}-{kind.Replace(' ', '-')}.html"), document);
                }

                using var pdf = PdfDocument.Open(bytes);
                var pages = Enumerable.Range(1, pdf.NumberOfPages).Select(i => Page(pdf, i)).ToList();
                var dated = pages.FindIndex(p => p.Contains("2026年3月2日", StringComparison.Ordinal) && p.Contains("此件公开发布", StringComparison.Ordinal));
                if (dated < 0 || !pages[dated].Contains(ending, StringComparison.Ordinal) || !pages[dated].Contains("那曲市全面依法治市委员会办公室", StringComparison.Ordinal))
                {
                    failures.Add($"{kind}, {lines} extra lines: the date's page {dated + 1} of {pages.Count} lacks the end of the body, the signature or the note");
                }

                // A heading never ends its page: the last section's heading has text after it on its own page.
                var headed = pages.FindIndex(p => p.Contains("四、下一步要求", StringComparison.Ordinal));
                if (headed >= 0 && PageNumber().Replace(pages[headed][(pages[headed].IndexOf("四、下一步要求", StringComparison.Ordinal) + 7)..], "").Trim().Length == 0)
                {
                    failures.Add($"{kind}, {lines} extra lines: the heading 四、下一步要求 ends page {headed + 1}");
                }

                if (kind == "personal copy")
                {
                    var copy = pages.FindIndex(p => p.Contains("本件分发", StringComparison.Ordinal));
                    if (copy < 0 || !pages[copy].Contains("印发", StringComparison.Ordinal))
                    {
                        failures.Add($"{kind}, {lines} extra lines: the distribution line is on page {copy + 1} of {pages.Count}, not with the 版记");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [GeneratedRegex("<div class=\"closing\"><div class=\"body\">(?:<h2>[^<]*</h2>\\s*)?<p>(.*?)</p>", RegexOptions.Singleline)]
    private static partial Regex LastParagraph();

    [GeneratedRegex("—\\s*\\d+\\s*—")]
    private static partial Regex PageNumber();
}
