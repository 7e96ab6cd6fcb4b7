using System.Text;
using System.Text.RegularExpressions;

namespace Assessment.Documents;

/// <summary>
/// A table as sentences: each data cell is said with its row's first cell and its column's header, and a bare number
/// takes the unit its header names (“数量（件）”), so “法律援助案件 | 12” under “数量（件）” reads 法律援助案件数量12件。
/// </summary>
public static partial class TableText
{
    public static void Append(IReadOnlyList<IReadOnlyList<string>> rows, StringBuilder into)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var headers = rows[0].Select(Clean).ToList();
        if (rows.Count == 1)
        {
            into.Append(string.Join("，", headers)).Append("。\n");
            return;
        }

        foreach (var row in rows.Skip(1))
        {
            var cells = row.Select(Clean).ToList();
            var parts = new List<string>();
            for (var j = 1; j < cells.Count; j++)
            {
                if (cells[j].Length == 0)
                {
                    continue;
                }

                var header = j < headers.Count ? headers[j] : "";
                var unit = UnitInHeader().Match(header) is { Success: true } m ? m.Groups["unit"].Value : "";
                var name = UnitInHeader().Replace(header, "");
                parts.Add(cells[0] + name + cells[j] + (BareNumber().IsMatch(cells[j]) ? unit : ""));
            }

            into.Append(parts.Count == 0 ? string.Join("，", cells.Where(c => c.Length > 0)) : string.Join("，", parts)).Append("。\n");
        }
    }

    /// <summary>
    /// A PDF has no tables, only positioned words: a line of headers (no bare numbers) followed by lines with as many
    /// space-separated cells, a label and then bare numbers, is read as a table; every other line passes through.
    /// </summary>
    public static string FromLines(string page)
    {
        var lines = page.Split('\n');
        var text = new StringBuilder(page.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var header = Cells(lines[i]);
            var rows = new List<IReadOnlyList<string>> { header };
            if (header.Count >= 2 && !header.Any(c => BareNumber().IsMatch(c)))
            {
                for (var j = i + 1; j < lines.Length && Cells(lines[j]) is var cells && cells.Count == header.Count
                    && !BareNumber().IsMatch(cells[0]) && cells.Skip(1).All(c => BareNumber().IsMatch(c)); j++)
                {
                    rows.Add(cells);
                }
            }

            if (rows.Count > 1)
            {
                Append(rows, text);
                i += rows.Count - 1;
            }
            else
            {
                text.Append(lines[i]).Append('\n');
            }
        }

        return text.ToString();
    }

    private static List<string> Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string Clean(string cell) => string.Join("", cell.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex(@"[（(](?<unit>[^（）()]{1,4})[）)]\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex UnitInHeader();

    [GeneratedRegex(@"^\d+(\.\d+)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex BareNumber();
}
