using System.Globalization;
using System.Net;
using System.Text;
using Assessment.Bulletins;
using Assessment.Grains.Abstractions;
using Assessment.Server.Hosting;
using Assessment.Server.Seeding;
using Assessment.Server.Services;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Web;

/// <summary>
/// The plain HTML pages of the demo: the ranking of the demo prefecture and its bulletin. They exist only with
/// Demo:Enabled and listen on loopback; the signed-in dashboard is a later piece of work.
/// </summary>
public static class DemoPages
{
    public static void MapDemoPages(this WebApplication app)
    {
        app.MapGet("/", async (IClusterClient cluster, SeedFile seed) =>
        {
            var ranking = await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(seed.Tenant.Id, seed.Year)).GetRanking();
            return Results.Content(RankingPage(seed, ranking), "text/html; charset=utf-8");
        });
        app.MapGet("/bulletin/{year:int}.{ext}", async (int year, string ext, BulletinComposer composer, SeedFile seed) =>
        {
            var format = ext switch { "html" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => (BulletinFormat?)null };
            if (format is null || !GrainKeys.IsValidYear(year))
            {
                return Results.NotFound();
            }

            var rendered = await composer.RenderAsync(seed.Tenant.Id, year, format.Value);
            return Results.Content(rendered.Content, rendered.MediaType);
        });
    }

    private static string RankingPage(SeedFile seed, RankingResult ranking)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>")
            .Append(E(seed.Tenant.Name)).Append(ranking.Year).Append("年度法治政府建设考核排名</title>")
            .Append("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}th,td{border:1px solid #999;padding:3px 8px;text-align:center}</style></head><body>")
            .Append("<h1>").Append(E(seed.Tenant.Name)).Append(' ').Append(ranking.Year).Append("年度法治政府建设考核排名</h1>")
            .Append("<p>评分细则：").Append(E(ranking.SchemeName)).Append('（').Append(E(ranking.SchemeId)).Append("）；计算时间：")
            .Append(ranking.ComputedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv)).Append("</p>")
            .Append("<p><a href=\"/bulletin/").Append(ranking.Year).Append(".html\">考核结果通报（HTML）</a> · <a href=\"/bulletin/")
            .Append(ranking.Year).Append(".md\">Markdown</a></p><table><thead><tr><th>排名</th><th>县（区）</th>");
        foreach (var d in ranking.Dimensions)
        {
            html.Append("<th>").Append(E(d.Name)).Append("<br>（").Append(d.Weight.ToString("0.##", inv)).Append("分）</th>");
        }

        html.Append("<th>总分</th><th>等次</th></tr></thead><tbody>");
        foreach (var row in ranking.Rows)
        {
            html.Append("<tr><td>").Append(row.Rank).Append("</td><td>").Append(E(row.Name)).Append("</td>");
            foreach (var p in row.Dimensions)
            {
                html.Append("<td>").Append(p.ToString("0.00", inv)).Append("</td>");
            }

            html.Append("<td><b>").Append(row.Total.ToString("0.00", inv)).Append("</b></td><td>").Append(E(row.Grade))
                .Append(row.LimitedByQuota ? "（限于比例）" : "").Append("</td></tr>");
        }

        return html.Append("</tbody></table><p>数据说明：除索县、阿索乡取自其年度报告的数值外，演示数据均为合成数据。</p></body></html>").ToString();
    }
}
