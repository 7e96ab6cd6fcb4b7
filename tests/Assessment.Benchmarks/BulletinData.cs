using System.Globalization;
using System.Net;
using System.Text;
using Assessment.Bulletins;

namespace Assessment.Benchmarks;

/// <summary>Bulletin input of a given size and the hand-written baseline that lays out the same table.</summary>
internal static class BulletinData
{
    public static BulletinInput Input(int counties)
    {
        var dimensions = Enumerable.Range(0, 9).Select(i => new BulletinDimension($"d{i}", $"一级指标{i}", 10 + i)).ToArray();
        var rows = Enumerable.Range(0, counties)
            .Select(i => new BulletinRow(i + 1, $"c{i}", $"县{i}", 99 - (i * 0.01), i < counties * 0.3 ? "优秀" : "良好",
                dimensions.Select(d => d.Weight - 0.5).ToArray(), false, false, i + 2))
            .ToArray();
        return new BulletinInput("基准市", "基准市全面依法治市委员会办公室", "基法", "各县（区）", 2024, 1, new DateOnly(2025, 3, 1), true, "默认细则",
            ["优秀", "良好", "合格", "不合格"], dimensions, rows);
    }

    public static string Plain(BulletinInput input)
    {
        var sb = new StringBuilder();
        sb.Append("<table><tr><th>排名</th><th>县（区）</th>");
        foreach (var d in input.Dimensions)
        {
            sb.Append("<th>").Append(WebUtility.HtmlEncode(d.Name)).Append("</th>");
        }

        sb.Append("<th>总分</th><th>等次</th></tr>");
        foreach (var r in input.Rows)
        {
            sb.Append("<tr><td>").Append(r.Rank).Append("</td><td>").Append(WebUtility.HtmlEncode(r.Name)).Append("</td>");
            foreach (var p in r.Dimensions)
            {
                sb.Append("<td>").Append(p.ToString("0.00", CultureInfo.InvariantCulture)).Append("</td>");
            }

            sb.Append("<td>").Append(r.Total.ToString("0.00", CultureInfo.InvariantCulture)).Append("</td><td>").Append(WebUtility.HtmlEncode(r.Grade)).Append("</td></tr>");
        }

        return sb.Append("</table>").ToString();
    }
}
