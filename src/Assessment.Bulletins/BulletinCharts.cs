using System.Globalization;
using System.Net;
using System.Text;

namespace Assessment.Bulletins;

/// <summary>A chart of the bulletin's annex: inline SVG (no script, no external reference) and its text alternative.</summary>
public sealed record BulletinChart(string Caption, string Alt, TrustedMarkup Svg);

/// <summary>
/// The bulletin's charts, drawn as a few SVG primitives (rectangles, lines, text) so they print the same in the browser
/// and in the PDF and need no plotting library: total scores as ranked bars coloured by grade with the grade bounds
/// drawn, score rate per county and dimension as a heat map, and the change of rank against last year. Counties are
/// shown <see cref="RowsPerChart"/> to a chart (one chart fits a page); above <see cref="AggregateAbove"/> counties the
/// heat map and the rank changes are summarised (by grade, by size of change) so they stay legible.
/// </summary>
public static class BulletinCharts
{
    public const int RowsPerChart = 40;
    public const int AggregateAbove = 200;

    private const double Width = 600, Label = 96, Row = 16, Top = 28, Right = 44;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] GradeColours = ["#2e7d32", "#1565c0", "#f9a825", "#c62828", "#6a1b9a", "#546e7a"];
    private static readonly (double Min, string Colour, string Label)[] RateBins =
        [(0.9, "#1a9850", "≥90%"), (0.8, "#91cf60", "80%–90%"), (0.7, "#fee08b", "70%–80%"), (0.6, "#fc8d59", "60%–70%"), (double.NegativeInfinity, "#d73027", "<60%")];

    public static IReadOnlyList<BulletinChart> Build(BulletinInput input)
    {
        var charts = new List<BulletinChart>();
        if (input.Rows.Count == 0 || !input.PublishScores)
        {
            return charts;
        }

        charts.AddRange(ScoreBars(input));
        charts.AddRange(input.Rows.Count > AggregateAbove ? [GradeHeatMap(input)] : HeatMaps(input));
        if (input.Rows.Any(r => r.PreviousRank is not null))
        {
            charts.AddRange(input.Rows.Count > AggregateAbove ? [ChangeHistogram(input)] : ChangeBars(input));
        }

        return charts;
    }

    private static IEnumerable<List<BulletinRow>> Pages(IReadOnlyList<BulletinRow> rows) => rows.Chunk(RowsPerChart).Select(c => c.ToList());

    private static string Range(List<BulletinRow> page, int total) =>
        total <= RowsPerChart ? "" : $"（第{page[0].Rank}—{page[^1].Rank}名）";

    private static IEnumerable<BulletinChart> ScoreBars(BulletinInput input)
    {
        // The axis starts below the lowest total (at 0 when totals spread widely), so that differences stay visible.
        var max = Math.Max(100, Math.Ceiling(input.Rows.Max(r => r.Total) / 10) * 10);
        var min = Math.Max(0, (Math.Floor(input.Rows.Min(r => r.Total) / 10) * 10) - 10);
        min = min < 40 ? 0 : min;
        var plot = Width - Label - Right;
        double X(double v) => Label + ((Math.Clamp(v, min, max) - min) / (max - min) * plot);
        foreach (var page in Pages(input.Rows))
        {
            var height = Top + (page.Count * Row) + 8;
            var svg = Begin(height, "总分排名");
            if (min > 0)
            {
                svg.Append(Inv, $"<text x=\"{N(Label)}\" y=\"{N(Top - 10)}\" font-size=\"9\" fill=\"#555\">{min.ToString("0", Inv)}分起</text>");
            }

            foreach (var line in input.GradeLines.Where(l => l.Min > min && l.Min <= max))
            {
                var x = X(line.Min);
                svg.Append(Inv, $"<line x1=\"{N(x)}\" y1=\"{N(Top - 6)}\" x2=\"{N(x)}\" y2=\"{N(height - 6)}\" stroke=\"#555\" stroke-dasharray=\"3 2\" stroke-width=\"0.8\"/>");
                svg.Append(Inv, $"<text x=\"{N(x)}\" y=\"{N(Top - 10)}\" text-anchor=\"middle\" font-size=\"9\">{E(line.Grade)}≥{line.Min.ToString("0.##", Inv)}</text>");
            }

            for (var i = 0; i < page.Count; i++)
            {
                var r = page[i];
                var y = Top + (i * Row);
                svg.Append(Inv, $"<text x=\"{N(Label - 4)}\" y=\"{N(y + 11.5)}\" text-anchor=\"end\" font-size=\"10\">{r.Rank}. {E(r.Name)}</text>");
                svg.Append(Inv, $"<rect x=\"{N(Label)}\" y=\"{N(y + 2)}\" width=\"{N(X(r.Total) - Label)}\" height=\"{N(Row - 4)}\" fill=\"{GradeColour(input, r.Grade)}\"/>");
                svg.Append(Inv, $"<text x=\"{N(X(r.Total) + 3)}\" y=\"{N(y + 11.5)}\" font-size=\"9\">{F(r.Total)}</text>");
            }

            Legend(svg, input.Grades.Select(g => (GradeColour(input, g), g)), height - 2);
            var alt = $"按总分排序的条形图{Range(page, input.Rows.Count)}，颜色表示等次：" +
                string.Join("；", page.Select(r => $"{r.Rank}.{r.Name}{F(r.Total)}分（{r.Grade}）")) + "。";
            yield return new BulletinChart($"图1 各县（区）考核总分{Range(page, input.Rows.Count)}", alt, End(svg, alt));
        }
    }

    private static IEnumerable<BulletinChart> HeatMaps(BulletinInput input)
    {
        var dims = input.Dimensions;
        if (dims.Count == 0)
        {
            yield break;
        }

        var cell = (Width - Label - 4) / dims.Count;
        foreach (var page in Pages(input.Rows))
        {
            var height = Top + (page.Count * Row) + 20;
            var svg = Begin(height, "得分率热力图");
            for (var d = 0; d < dims.Count; d++)
            {
                svg.Append(Inv, $"<text x=\"{N(Label + (d * cell) + (cell / 2))}\" y=\"{N(Top - 8)}\" text-anchor=\"middle\" font-size=\"9\">{E(Short(dims[d].Name, cell))}</text>");
            }

            var alt = new StringBuilder($"各县（区）各项考核内容得分率{Range(page, input.Rows.Count)}：");
            for (var i = 0; i < page.Count; i++)
            {
                var r = page[i];
                var y = Top + (i * Row);
                svg.Append(Inv, $"<text x=\"{N(Label - 4)}\" y=\"{N(y + 11.5)}\" text-anchor=\"end\" font-size=\"10\">{E(r.Name)}</text>");
                alt.Append(r.Name).Append(' ');
                for (var d = 0; d < dims.Count; d++)
                {
                    var rate = dims[d].Weight > 0 && d < r.Dimensions.Count ? r.Dimensions[d] / dims[d].Weight : 0;
                    Cell(svg, Label + (d * cell), y, cell, rate);
                    alt.Append(dims[d].Name).Append(Percent(rate)).Append(d < dims.Count - 1 ? "，" : "；");
                }
            }

            Legend(svg, RateBins.Select(b => (b.Colour, b.Label)), height - 2);
            yield return new BulletinChart($"图2 各县（区）各项考核内容得分率{Range(page, input.Rows.Count)}", alt.ToString(), End(svg, alt.ToString()));
        }
    }

    private static BulletinChart GradeHeatMap(BulletinInput input)
    {
        var dims = input.Dimensions;
        var groups = input.Grades.Select(g => (Grade: g, Rows: input.Rows.Where(r => r.Grade == g).ToList())).Where(g => g.Rows.Count > 0).ToList();
        var cell = (Width - Label - 4) / Math.Max(1, dims.Count);
        var height = Top + (groups.Count * Row) + 20;
        var svg = Begin(height, "按等次汇总的得分率热力图");
        for (var d = 0; d < dims.Count; d++)
        {
            svg.Append(Inv, $"<text x=\"{N(Label + (d * cell) + (cell / 2))}\" y=\"{N(Top - 8)}\" text-anchor=\"middle\" font-size=\"9\">{E(Short(dims[d].Name, cell))}</text>");
        }

        var alt = new StringBuilder($"县（区）共{input.Rows.Count}个，按等次汇总的平均得分率：");
        for (var i = 0; i < groups.Count; i++)
        {
            var (grade, rows) = groups[i];
            var y = Top + (i * Row);
            svg.Append(Inv, $"<text x=\"{N(Label - 4)}\" y=\"{N(y + 11.5)}\" text-anchor=\"end\" font-size=\"10\">{E(grade)}（{rows.Count}个）</text>");
            alt.Append(grade).Append(' ');
            for (var d = 0; d < dims.Count; d++)
            {
                var rate = dims[d].Weight > 0 ? rows.Average(r => d < r.Dimensions.Count ? r.Dimensions[d] : 0) / dims[d].Weight : 0;
                Cell(svg, Label + (d * cell), y, cell, rate);
                alt.Append(dims[d].Name).Append(Percent(rate)).Append(d < dims.Count - 1 ? "，" : "；");
            }
        }

        Legend(svg, RateBins.Select(b => (b.Colour, b.Label)), height - 2);
        return new BulletinChart("图2 各等次县（区）各项考核内容平均得分率", alt.ToString(), End(svg, alt.ToString()));
    }

    private static IEnumerable<BulletinChart> ChangeBars(BulletinInput input)
    {
        var most = Math.Max(1, input.Rows.Where(r => r.PreviousRank is not null).Max(r => Math.Abs(r.PreviousRank!.Value - r.Rank)));
        var centre = Label + ((Width - Label - Right) / 2);
        var half = ((Width - Label - Right) / 2) - 30; // room for the figure beside the longest bar
        foreach (var page in Pages(input.Rows))
        {
            var height = Top + (page.Count * Row) + 8;
            var svg = Begin(height, "名次变化");
            svg.Append(Inv, $"<line x1=\"{N(centre)}\" y1=\"{N(Top - 4)}\" x2=\"{N(centre)}\" y2=\"{N(height - 6)}\" stroke=\"#333\" stroke-width=\"0.8\"/>");
            svg.Append(Inv, $"<text x=\"{N(centre - 6)}\" y=\"{N(Top - 10)}\" text-anchor=\"end\" font-size=\"9\">← 下降</text><text x=\"{N(centre + 6)}\" y=\"{N(Top - 10)}\" font-size=\"9\">上升 →</text>");
            var alt = new List<string>();
            for (var i = 0; i < page.Count; i++)
            {
                var r = page[i];
                var y = Top + (i * Row);
                svg.Append(Inv, $"<text x=\"{N(Label - 4)}\" y=\"{N(y + 11.5)}\" text-anchor=\"end\" font-size=\"10\">{r.Rank}. {E(r.Name)}</text>");
                if (r.PreviousRank is not { } previous)
                {
                    svg.Append(Inv, $"<text x=\"{N(centre + 4)}\" y=\"{N(y + 11.5)}\" font-size=\"9\" fill=\"#777\">上年未参评</text>");
                    alt.Add($"{r.Name}上年未参评");
                    continue;
                }

                var change = previous - r.Rank;
                var length = Math.Abs(change) / (double)most * half;
                var x = change >= 0 ? centre : centre - length;
                if (change != 0)
                {
                    svg.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y + 2)}\" width=\"{N(length)}\" height=\"{N(Row - 4)}\" fill=\"{(change > 0 ? "#2e7d32" : "#c62828")}\"/>");
                }

                var text = change switch { > 0 => $"↑{change}", < 0 => $"↓{-change}", _ => "持平" };
                var tx = change >= 0 ? centre + length + 3 : centre - length - 3;
                svg.Append(Inv, $"<text x=\"{N(tx)}\" y=\"{N(y + 11.5)}\" font-size=\"9\"{(change < 0 ? " text-anchor=\"end\"" : "")}>{text}</text>");
                alt.Add($"{r.Name}{(change switch { > 0 => $"上升{change}位", < 0 => $"下降{-change}位", _ => "持平" })}");
            }

            var description = $"各县（区）名次较上年变化{Range(page, input.Rows.Count)}：{string.Join("，", alt)}。";
            yield return new BulletinChart($"图3 各县（区）名次较上年变化{Range(page, input.Rows.Count)}", description, End(svg, description));
        }
    }

    private static BulletinChart ChangeHistogram(BulletinInput input)
    {
        (string Label, Func<int, bool> In)[] buckets =
        [
            ("上升10位以上", c => c >= 10), ("上升5—9位", c => c is >= 5 and < 10), ("上升1—4位", c => c is >= 1 and < 5), ("持平", c => c == 0),
            ("下降1—4位", c => c is <= -1 and > -5), ("下降5—9位", c => c is <= -5 and > -10), ("下降10位以上", c => c <= -10),
        ];
        var changes = input.Rows.Where(r => r.PreviousRank is not null).Select(r => r.PreviousRank!.Value - r.Rank).ToList();
        var counts = buckets.Select(b => (b.Label, Count: changes.Count(b.In))).ToList();
        var most = Math.Max(1, counts.Max(c => c.Count));
        var plot = Width - Label - Right;
        var height = Top + (counts.Count * Row) + 8;
        var svg = Begin(height, "名次变化分布");
        for (var i = 0; i < counts.Count; i++)
        {
            var y = Top + (i * Row);
            var length = counts[i].Count / (double)most * plot;
            svg.Append(Inv, $"<text x=\"{N(Label - 4)}\" y=\"{N(y + 11.5)}\" text-anchor=\"end\" font-size=\"10\">{counts[i].Label}</text>");
            svg.Append(Inv, $"<rect x=\"{N(Label)}\" y=\"{N(y + 2)}\" width=\"{N(length)}\" height=\"{N(Row - 4)}\" fill=\"{(i < 3 ? "#2e7d32" : i == 3 ? "#9e9e9e" : "#c62828")}\"/>");
            svg.Append(Inv, $"<text x=\"{N(Label + length + 3)}\" y=\"{N(y + 11.5)}\" font-size=\"9\">{counts[i].Count}个</text>");
        }

        var alt = $"可比县（区）{changes.Count}个的名次变化分布：{string.Join("，", counts.Select(c => $"{c.Label}{c.Count}个"))}。";
        return new BulletinChart("图3 县（区）名次较上年变化分布", alt, End(svg, alt));
    }

    private static void Cell(StringBuilder svg, double x, double y, double width, double rate)
    {
        var colour = RateBins.First(b => rate >= b.Min).Colour;
        svg.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y + 1)}\" width=\"{N(width - 1)}\" height=\"{N(Row - 2)}\" fill=\"{colour}\"/>");
        svg.Append(Inv, $"<text x=\"{N(x + (width / 2))}\" y=\"{N(y + 11.5)}\" text-anchor=\"middle\" font-size=\"9\">{Percent(rate)}</text>");
    }

    private static void Legend(StringBuilder svg, IEnumerable<(string Colour, string Label)> items, double y)
    {
        var x = Label;
        foreach (var (colour, label) in items)
        {
            svg.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y - 8)}\" width=\"8\" height=\"8\" fill=\"{colour}\"/><text x=\"{N(x + 11)}\" y=\"{N(y)}\" font-size=\"9\">{E(label)}</text>");
            x += 20 + (label.Length * 9);
        }
    }

    private static StringBuilder Begin(double height, string name) =>
        new StringBuilder(4096).Append(Inv,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {N(Width)} {N(height + 14)}\" role=\"img\" aria-label=\"{E(name)}\" class=\"chart\" font-family=\"'Noto Serif CJK SC','SimSun',serif\">");

    private static TrustedMarkup End(StringBuilder svg, string description)
    {
        svg.Insert(svg.ToString().IndexOf('>') + 1, $"<desc>{E(description)}</desc>");
        return new TrustedMarkup(svg.Append("</svg>").ToString());
    }

    private static string GradeColour(BulletinInput input, string grade)
    {
        var index = input.Grades.ToList().IndexOf(grade);
        return GradeColours[Math.Clamp(index < 0 ? GradeColours.Length - 1 : index, 0, GradeColours.Length - 1)];
    }

    private static string Short(string name, double width)
    {
        var fits = Math.Max(2, (int)(width / 9));
        return name.Length <= fits ? name : name[..(fits - 1)] + "…";
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(double value) => value.ToString("0.#", Inv);

    private static string F(double value) => value.ToString("0.00", Inv);

    private static string Percent(double rate) => (rate * 100).ToString("0", Inv) + "%";
}
