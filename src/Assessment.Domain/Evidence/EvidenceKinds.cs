namespace Assessment.Domain.Evidence;

/// <summary>The kinds of 佐证材料 accepted, each decided by content (<see cref="EvidenceInspector"/>), never by name.</summary>
public enum EvidenceKind
{
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
    Ofd,
    Text,
}

/// <summary>Names, extensions and media types of the accepted kinds.</summary>
public static class EvidenceKinds
{
    /// <summary>The id used in storage and on the wire: pdf, jpeg, png, docx, xlsx, ofd, text.</summary>
    public static string Id(this EvidenceKind kind) => kind switch
    {
        EvidenceKind.Pdf => "pdf",
        EvidenceKind.Jpeg => "jpeg",
        EvidenceKind.Png => "png",
        EvidenceKind.Docx => "docx",
        EvidenceKind.Xlsx => "xlsx",
        EvidenceKind.Ofd => "ofd",
        _ => "text",
    };

    public static EvidenceKind? FromId(string? id) => id switch
    {
        "pdf" => EvidenceKind.Pdf,
        "jpeg" => EvidenceKind.Jpeg,
        "png" => EvidenceKind.Png,
        "docx" => EvidenceKind.Docx,
        "xlsx" => EvidenceKind.Xlsx,
        "ofd" => EvidenceKind.Ofd,
        "text" => EvidenceKind.Text,
        _ => null,
    };

    /// <summary>The media type a file is served as (always as a download).</summary>
    public static string MediaType(this EvidenceKind kind) => kind switch
    {
        EvidenceKind.Pdf => "application/pdf",
        EvidenceKind.Jpeg => "image/jpeg",
        EvidenceKind.Png => "image/png",
        EvidenceKind.Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        EvidenceKind.Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        EvidenceKind.Ofd => "application/ofd",
        _ => "text/plain; charset=utf-8",
    };

    /// <summary>How a person names the kind.</summary>
    public static string Describe(this EvidenceKind kind) => kind switch
    {
        EvidenceKind.Pdf => "PDF 文件",
        EvidenceKind.Jpeg => "JPEG 图片",
        EvidenceKind.Png => "PNG 图片",
        EvidenceKind.Docx => "Word 文档（.docx）",
        EvidenceKind.Xlsx => "Excel 工作簿（.xlsx）",
        EvidenceKind.Ofd => "OFD 版式文件",
        _ => "文本文件",
    };

    /// <summary>The extensions a file of the kind may carry; the first is added to a name without one.</summary>
    public static IReadOnlyList<string> Extensions(this EvidenceKind kind) => kind switch
    {
        EvidenceKind.Pdf => [".pdf"],
        EvidenceKind.Jpeg => [".jpg", ".jpeg"],
        EvidenceKind.Png => [".png"],
        EvidenceKind.Docx => [".docx"],
        EvidenceKind.Xlsx => [".xlsx"],
        EvidenceKind.Ofd => [".ofd"],
        _ => [".txt", ".csv", ".md"],
    };

    /// <summary>The kind an extension claims, or null for an extension no accepted kind has.</summary>
    public static EvidenceKind? Claimed(string extension) =>
        Enum.GetValues<EvidenceKind>().Cast<EvidenceKind?>().FirstOrDefault(k => k!.Value.Extensions().Contains(extension, StringComparer.OrdinalIgnoreCase));

    /// <summary>What the platform accepts, for messages.</summary>
    public const string Accepted = "PDF、JPEG/PNG 图片、Word（.docx）、Excel（.xlsx）、OFD 或 UTF-8 文本";
}
