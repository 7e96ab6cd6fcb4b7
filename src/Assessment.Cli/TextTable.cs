using System.Globalization;
using System.Text;

namespace Assessment.Cli;

/// <summary>A plain-text table that aligns Chinese text (two columns wide in a terminal).</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(Width(h), _rows.Count == 0 ? 0 : _rows.Max(r => Width(r[i])))).ToArray();
        var sb = new StringBuilder();
        Line(headers);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in _rows)
        {
            Line(row);
        }

        return sb.ToString();

        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => c + new string(' ', widths[i] - Width(c)))).TrimEnd());
    }

    private static int Width(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            width += rune.Value >= 0x1100 && (rune.Value <= 0x115F || (rune.Value >= 0x2E80 && rune.Value <= 0xA4CF) ||
                (rune.Value >= 0xAC00 && rune.Value <= 0xD7A3) || (rune.Value >= 0xF900 && rune.Value <= 0xFAFF) ||
                (rune.Value >= 0xFE30 && rune.Value <= 0xFE4F) || (rune.Value >= 0xFF00 && rune.Value <= 0xFF60) ||
                (rune.Value >= 0xFFE0 && rune.Value <= 0xFFE6) || rune.Value >= 0x20000) ? 2 : 1;
        }

        return width;
    }

    public static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
