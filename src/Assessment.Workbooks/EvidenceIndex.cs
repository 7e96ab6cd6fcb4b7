namespace Assessment.Workbooks;

/// <summary>One file of a 实地核查 package, as its index lists it.</summary>
public sealed record EvidenceIndexRow(
    string Dimension, string Indicator, string Unit, string FileName, string PathInPackage, long Size, string Type, string Sha256, string AddedBy, string AddedAt);

/// <summary>The index.xlsx of a county's 佐证材料 package: one row per file, with the hash that identifies its bytes.</summary>
public static class EvidenceIndex
{
    public static void Write(string title, IEnumerable<EvidenceIndexRow> rows, Stream output)
    {
        var sheet = new SheetBuilder();
        sheet.Add(1, SheetStyle.Title, title);
        sheet.Add(2, SheetStyle.Header, "序号", "一级指标", "指标", "报送单位", "文件名", "包内位置", "大小（字节）", "类型", "SHA-256", "上传人", "上传时间");
        uint n = 3;
        foreach (var r in rows)
        {
            sheet.Add(n, (n - 2, SheetStyle.Number), (r.Dimension, SheetStyle.Text), (r.Indicator, SheetStyle.Text), (r.Unit, SheetStyle.Text), (r.FileName, SheetStyle.Text),
                (r.PathInPackage, SheetStyle.Text), (r.Size, SheetStyle.Number), (r.Type, SheetStyle.Text), (r.Sha256, SheetStyle.Text), (r.AddedBy, SheetStyle.Text),
                (r.AddedAt, SheetStyle.Text));
            n++;
        }

        sheet.Width(8, 70);
        sheet.Save(output, "材料清单", 3);
    }
}
