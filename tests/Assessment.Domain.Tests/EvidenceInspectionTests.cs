using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Evidence;

namespace Assessment.Domain.Tests;

/// <summary>The 佐证材料 inspector reads a file chunk by chunk: however a file is cut, it says the same thing.</summary>
public class EvidenceInspectionTests
{
    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Pdf(int length) => [.. "%PDF-1.7\n"u8.ToArray(), .. Bytes(length, 7), .. "\n%%EOF\n"u8.ToArray()];

    private static byte[] ZipEnd(int comment) => [(byte)'P', (byte)'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(comment & 0xFF), (byte)(comment >> 8), .. new byte[comment]];

    private static EvidenceVerdict Inspect(byte[] file, int chunk)
    {
        using var inspector = new EvidenceInspector();
        for (var i = 0; i < file.Length; i += chunk)
        {
            inspector.Append(file.AsSpan(i, Math.Min(chunk, file.Length - i)));
        }

        return inspector.Finish();
    }

    public static TheoryData<string> Files() => ["pdf", "pdf+zip", "pdf+zip-long-comment", "pdf+zip+stray", "text", "text-cut-in-a-character", "png", "zip", "empty-zip"];

    private static byte[] File(string name) => name switch
    {
        "pdf" => Pdf(200_000),
        "pdf+zip" => [.. Pdf(200_000), .. ZipEnd(0)],
        // The end record 65,535 bytes of comment back: the farthest a ZIP reader looks, so the farthest the inspector keeps.
        "pdf+zip-long-comment" => [.. Pdf(200_000), .. ZipEnd(ushort.MaxValue)],
        // Stray bytes after the end record: lenient ZIP readers still open it.
        "pdf+zip+stray" => [.. Pdf(200_000), .. ZipEnd(0), .. "\n\n"u8.ToArray()],
        "text" => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("法治政府建设年度报告，共受理案件12件。\r\n", 3_000))),
        "text-cut-in-a-character" => Encoding.UTF8.GetBytes("法治政府")[..^1],
        "png" => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Bytes(90_000, 3)],
        "zip" => [(byte)'P', (byte)'K', 3, 4, .. Bytes(70_000, 5), .. ZipEnd(10)],
        "empty-zip" => ZipEnd(0),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void A_file_read_in_chunks_of_any_size_gets_the_verdict_it_gets_whole(string name)
    {
        var file = File(name);
        var whole = Inspect(file, file.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), whole.Sha256);
        Assert.Equal(file.Length, whole.Size);
        foreach (var chunk in new[] { 1, 2, 3, 7, 22, 1000, 4096, 65_557, 65_558, 100_000, 1 << 20 })
        {
            if (chunk == 1 && file.Length > 100_000)
            {
                continue; // byte by byte is covered by the short files
            }

            Assert.Equal(whole, Inspect(file, chunk));
        }

        var expected = name switch
        {
            "pdf" => EvidenceKind.Pdf,
            "text" => EvidenceKind.Text,
            "png" => EvidenceKind.Png,
            _ => (EvidenceKind?)null,
        };
        Assert.Equal(expected, whole.Kind);
        Assert.Equal(name == "zip", whole.IsZip);
        Assert.Equal(expected is null && name != "zip", whole.Problem is not null);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        using var inspector = new EvidenceInspector();
        Assert.Equal("文件为空", inspector.Finish().Problem);
    }

    [Theory]
    [InlineData("../../etc/通知.pdf", "通知.pdf")]
    [InlineData("D:\\材料\\2025\\纪要.docx", "纪要.docx")]
    [InlineData("报告\u202Efdp.exe", "报告fdp.exe")]
    [InlineData("\u2066会议\u2069\u200D纪要\u0000.pdf", "会议纪要.pdf")]
    [InlineData("e\u0301.txt", "é.txt")]
    [InlineData("  ...隐藏.pdf. ", "隐藏.pdf")]
    public void Names_lose_paths_and_invisible_characters(string raw, string kept) => Assert.Equal((kept, null), EvidenceNames.Normalize(raw));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a/b/")]
    [InlineData("\u202E\u200B\u0007")]
    public void Names_of_nothing_are_refused(string raw) => Assert.NotNull(EvidenceNames.Normalize(raw).Problem);

    [Fact]
    public void Long_names_are_refused_not_cut()
    {
        for (var length = EvidenceNames.MaxChars - 4; length < EvidenceNames.MaxChars + 1100; length += 37)
        {
            var name = new string('名', length) + ".pdf";
            var (kept, problem) = EvidenceNames.Normalize(name);
            Assert.Equal(length + 4 <= EvidenceNames.MaxChars, problem is null);
            Assert.True(kept is null || kept == name);
        }
    }

    [Fact]
    public void An_extension_must_name_the_content_or_another_kind_none_is_added()
    {
        foreach (var kind in Enum.GetValues<EvidenceKind>())
        {
            foreach (var extension in kind.Extensions())
            {
                Assert.Equal(("文件" + extension, null), EvidenceNames.ForKind("文件" + extension, kind));
                Assert.Equal(("文件" + extension.ToUpperInvariant(), null), EvidenceNames.ForKind("文件" + extension.ToUpperInvariant(), kind));
                foreach (var other in Enum.GetValues<EvidenceKind>().Where(o => o != kind))
                {
                    Assert.NotNull(EvidenceNames.ForKind("文件" + extension, other).Problem);
                }
            }

            Assert.Equal("扫描件.scan" + kind.Extensions()[0], EvidenceNames.ForKind("扫描件.scan", kind).Name);
        }
    }
}
