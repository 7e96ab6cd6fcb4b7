using System.IO.Compression;

namespace Assessment.Workbooks;

/// <summary>
/// The checks an Office package (.xlsx, .docx) passes before any XML parser sees it: size, a zip at all, entry count,
/// unpacked size and ratio (zip bombs), macros. Failures are <see cref="WorkbookException"/>s with what to do.
/// </summary>
public static class OfficePackage
{
    /// <summary>Refuses what must never reach the XML parser: not a zip, macros, too many or too large entries, a zip bomb.</summary>
    public static void Check(byte[] bytes, long maxFileBytes, int maxEntries, long maxUnpackedBytes, string kind)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        Check(stream, maxFileBytes, maxEntries, maxUnpackedBytes, kind);
    }

    /// <summary>The same checks on a seekable stream (a file kept on disk rather than in memory); the stream stays open.</summary>
    public static void Check(Stream stream, long maxFileBytes, int maxEntries, long maxUnpackedBytes, string kind)
    {
        if (stream.Length > maxFileBytes)
        {
            throw new WorkbookException($"文件过大（{stream.Length / 1024 / 1024} MB，上限 {maxFileBytes / 1024 / 1024} MB）。");
        }

        Span<byte> start = stackalloc byte[8];
        stream.Position = 0;
        var read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read < 4 || start[0] != (byte)'P' || start[1] != (byte)'K')
        {
            throw new WorkbookException(read >= 8 && start[0] == 0xD0 && start[1] == 0xCF
                ? "这是旧版 Office 文件（.xls/.doc）或加密的文件，请另存为 .xlsx/.docx 后再提交。"
                : $"文件不是 {kind}。");
        }

        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (zip.Entries.Count > maxEntries)
            {
                throw new WorkbookException($"文件包含的部件过多（{zip.Entries.Count} 个），不予读取。");
            }

            long unpacked = 0;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                if (name.Contains("vbaProject", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) && name.Contains("activeX", StringComparison.OrdinalIgnoreCase))
                {
                    throw new WorkbookException("文件含有宏（.xlsm/.docm），为安全起见不予受理：请另存为不含宏的 .xlsx/.docx 后再提交。");
                }

                unpacked += entry.Length;
                // Spreadsheet XML compresses well, but not a thousandfold: beyond that the entry is built to exhaust memory.
                if (unpacked > maxUnpackedBytes || entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > 1000 && entry.Length > 10 * 1024 * 1024)
                {
                    throw new WorkbookException("文件解压后过大（疑似压缩炸弹），不予读取。");
                }
            }

            if (zip.GetEntry("[Content_Types].xml") is { } types)
            {
                if (types.Length >= 1024 * 1024)
                {
                    throw new WorkbookException("文件的内容类型清单过大（[Content_Types].xml），不予读取。");
                }

                // Read no further than the size it declares, whatever the compressed data would unpack to.
                using var reader = new StreamReader(types.Open());
                var text = new char[(int)types.Length + 1];
                var length = reader.ReadBlock(text, 0, text.Length);
                if (text.AsSpan(0, length).Contains("macroEnabled", StringComparison.OrdinalIgnoreCase))
                {
                    throw new WorkbookException("文件含有宏（.xlsm/.docm），为安全起见不予受理：请另存为不含宏的 .xlsx/.docx 后再提交。");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new WorkbookException($"文件无法解压：{WorkbookException.Reason(ex)}。", ex);
        }
    }
}
