using System.IO.Compression;
using Assessment.Domain.Evidence;

namespace Assessment.Workbooks;

/// <summary>
/// Tells a ZIP-packaged 佐证材料 apart — Word (.docx), Excel (.xlsx) or OFD — after the package checks every Office
/// file passes (<see cref="OfficePackage"/>: entry count, unpacked size and ratio, macros). Reads the central directory
/// only; no part is unpacked except the small [Content_Types].xml the macro check reads.
/// </summary>
public static class EvidencePackage
{
    /// <summary>Parts a 佐证材料 package may have (an OFD with many pages has a few per page).</summary>
    public const int MaxEntries = 20_000;

    /// <summary>Unpacked size of all parts together (a 50 MB document of compressed images unpacks to little more).</summary>
    public const long MaxUnpackedBytes = 1L << 30;

    /// <summary>The kind of the package on a seekable stream, or the reason it is refused (in Chinese).</summary>
    public static (EvidenceKind? Kind, string? Problem) Classify(Stream stream, long maxFileBytes)
    {
        try
        {
            OfficePackage.Check(stream, maxFileBytes, MaxEntries, MaxUnpackedBytes, "可受理的文件");
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            bool Has(string part) => zip.GetEntry(part) is not null;
            if (Has("[Content_Types].xml") && Has("word/document.xml"))
            {
                return (EvidenceKind.Docx, null);
            }

            if (Has("[Content_Types].xml") && Has("xl/workbook.xml"))
            {
                return (EvidenceKind.Xlsx, null);
            }

            if (zip.Entries.Any(e => string.Equals(e.FullName, "OFD.xml", StringComparison.OrdinalIgnoreCase)))
            {
                return (EvidenceKind.Ofd, null);
            }

            return (null, $"这是 ZIP 压缩包，不是 Word、Excel 或 OFD 文件：请分别上传其中的文件（受理{EvidenceKinds.Accepted}）");
        }
        catch (WorkbookException ex)
        {
            return (null, ex.Message.TrimEnd('。'));
        }
        catch (InvalidDataException ex)
        {
            return (null, $"文件无法解压：{WorkbookException.Reason(ex)}");
        }
    }
}
