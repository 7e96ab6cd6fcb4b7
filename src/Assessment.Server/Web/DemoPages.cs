using System.Globalization;
using System.Net;
using System.Text;
using Assessment.Bulletins;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Seeding;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Assessment.Server.Web;

/// <summary>
/// The plain HTML pages of the demo: a tenant's ranking and its bulletin, behind a sign-in where an assessor, leader or
/// tenant administrator exchanges an API key for a session cookie (HttpOnly, SameSite=Strict). The session is checked
/// against the credential on every request, so a revoked key's session ends on its next page. The tenant shown is the
/// credential's; nothing here is anonymous.
/// </summary>
public static class DemoPages
{
    public const string Scheme = "WebSession";
    private const string HashClaim = "assessment:credential-hash";

    public static void AddWebSessions(this IServiceCollection services, string dataDir, bool secureCookies)
    {
        // The keys that protect session cookies: in the data folder, readable only by the server's user.
        var keys = Path.Combine(Path.GetFullPath(dataDir), "web-keys");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(keys);
        }
        else
        {
            Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys));
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "assess_session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = async context =>
            {
                var hash = context.Principal?.FindFirst(HashClaim)?.Value;
                var lookup = context.HttpContext.RequestServices.GetRequiredService<CredentialLookup>();
                if (hash is null || await lookup.FindByHashAsync(hash) is null)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(Scheme);
                }
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Scheme, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireRole(nameof(Role.Assessor), nameof(Role.Leader), nameof(Role.TenantAdmin)));
    }

    public static void MapDemoPages(this WebApplication app)
    {
        app.MapGet("/login", (HttpContext http, IAntiforgery antiforgery) => Results.Content(LoginPage(null, Token(http, antiforgery)), "text/html; charset=utf-8"));
        app.MapPost("/login", async (HttpContext http, CredentialLookup lookup, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Content(LoginPage("页面已过期，请重新登录。", Token(http, antiforgery)), "text/html; charset=utf-8", statusCode: 400);
            }

            var form = await http.Request.ReadFormAsync();
            var (outcome, credential, hash) = await lookup.FindAsync(form["key"].ToString().Trim(), http.Connection.RemoteIpAddress);
            if (outcome == LookupOutcome.Throttled)
            {
                return Results.Content(LoginPage("登录失败次数过多，请稍后再试。", Token(http, antiforgery)), "text/html; charset=utf-8", statusCode: 429);
            }

            if (credential is null || hash is null || credential.Role is not (Role.Assessor or Role.Leader or Role.TenantAdmin))
            {
                return Results.Content(LoginPage("密钥无效，或该密钥无权查看考核结果。", Token(http, antiforgery)), "text/html; charset=utf-8", statusCode: 401);
            }

            var principal = Caller.ToPrincipal(credential, hash[..16], Scheme);
            ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(HashClaim, hash));
            await http.SignInAsync(Scheme, principal);
            return Results.Redirect("/");
        });
        app.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest();
            }

            await http.SignOutAsync(Scheme);
            return Results.Redirect("/login");
        });

        var pages = app.MapGroup("").RequireAuthorization(Scheme);
        pages.MapGet("/", async (HttpContext http, IClusterClient cluster, SeedFile seed, IAntiforgery antiforgery, int? year) =>
        {
            var caller = Caller.From(http.User);
            var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
            var shown = year is { } y && GrainKeys.IsValidYear(y) ? y : seed.Year;
            try
            {
                var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, shown));
                if (await round.GetInfo() is { } info)
                {
                    await Services.LeaderAccess.RequireResultsAsync(cluster, caller, info);
                }

                var ranking = await round.GetRanking();
                return Results.Content(RankingPage(profile?.Name ?? caller.Tenant, ranking, Token(http, antiforgery)), "text/html; charset=utf-8");
            }
            catch (PreconditionException ex) when (ex.Reason == Services.LeaderAccess.NotPublished)
            {
                return Message("考核结果尚未发布", ex.Message + (caller.Role == Role.Leader ? " 已分发给您的通报见“我的通报”。" : ""), 409,
                    "<p><a href=\"/bulletins\">我的通报</a></p>");
            }
            catch (PreconditionException)
            {
                return NoRound(shown);
            }
        });
        pages.MapGet("/bulletin/{year:int}.{ext}", async (int year, string ext, int? edition, HttpContext http, BulletinDesk desk) =>
        {
            var format = ext switch { "html" or "pdf" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => (BulletinFormat?)null };
            if (format is null || !GrainKeys.IsValidYear(year) || edition is < 0 or > Grains.Grains.BulletinGrain.MaxEditions)
            {
                return Results.NotFound();
            }

            try
            {
                var document = await desk.ReadAsync(Caller.From(http.User), year, format.Value, ext == "pdf", edition ?? 0, download: ext != "html");
                return ext == "html"
                    ? Results.Bytes(document.Data, document.MediaType)
                    : Results.File(document.Data, document.MediaType, document.FileName);
            }
            catch (PreconditionException ex) when (ex.Reason == Domain.Workflow.LockReasons.RoundNotOpen)
            {
                return NoRound(year);
            }
            catch (PreconditionException ex)
            {
                return Message("无法提供通报", ex.Message, 409);
            }
            catch (PermissionDeniedException)
            {
                return Message("无权查看", "本通报未分发给您。如需阅读，请与考核办联系。", 403);
            }
        });
        pages.MapGet("/bulletins", async (HttpContext http, BulletinDesk desk) =>
        {
            var caller = Caller.From(http.User);
            if (caller.Role != Role.Leader)
            {
                return Results.Redirect("/");
            }

            var mine = await desk.MineAsync(caller);
            var rows = string.Concat(mine.Select(b =>
                $"<tr><td>{WebUtility.HtmlEncode(b.Bulletin.Number)}</td><td><a href=\"/bulletin/{b.Year}.html?edition={b.Edition}\">{WebUtility.HtmlEncode(b.Bulletin.Title)}</a>"
                + $"{(b.Bulletin.Withdrawn is null ? "" : "（已撤回）")}</td><td>{b.Bulletin.Issue.IssuedOn:yyyy-MM-dd}</td>"
                + $"<td>{(b.Delivery.OpenedAt is { } opened ? "已阅 " + Assessment.Bulletins.PersonalCopy.Stamp(opened) : "未阅")}</td>"
                + $"<td><a href=\"/bulletin/{b.Year}.pdf?edition={b.Edition}\">PDF</a></td></tr>"));
            return Message("我的通报", mine.Count == 0 ? "暂无分发给您的通报。" : "以下通报已分发给您（最新在前）。",
                200, mine.Count == 0 ? "" : $"<div style=\"overflow-x:auto\"><table><thead><tr><th>文号</th><th>标题</th><th>成文日期</th><th>阅读</th><th>下载</th></tr></thead><tbody>{rows}</tbody></table></div>");
        });
    }

    /// <summary>A short page in Chinese: a heading, a sentence and the way back.</summary>
    private static IResult Message(string title, string text, int status, string body = "") => Results.Content(
        $"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{WebUtility.HtmlEncode(title)}</title>"
        + "<style>body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;max-width:960px;margin:2em auto;padding:0 12px}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}</style></head><body>"
        + $"<h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p>{body}<p><a href=\"/\">返回首页</a></p></body></html>", "text/html; charset=utf-8", statusCode: status);

    /// <summary>A year without a round: said so, in Chinese, with the way back — never an empty error.</summary>
    private static IResult NoRound(int year) =>
        Message($"{year} 年度尚未开启考核", "该年度还没有考核轮次，暂无排名与通报。考核办可先定义并开启该年度考核。", 404);

    /// <summary>The hidden field that proves a form was served by this server (antiforgery).</summary>
    private static string Token(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(tokens.FormFieldName)}\" value=\"{WebUtility.HtmlEncode(tokens.RequestToken)}\">";
    }

    private static string LoginPage(string? error, string token) =>
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>登录 · 法治政府建设考核平台</title>"
        + "<style>body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;max-width:480px;margin:4em auto}input{width:100%;padding:6px}</style></head><body>"
        + "<h1>法治政府建设考核平台</h1><form method=\"post\" action=\"/login\">" + token + "<p><label>API 密钥（考核办、领导或租户管理员）"
        + "<input name=\"key\" type=\"password\" autocomplete=\"off\" required></label></p>"
        + (error is null ? "" : $"<p role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")
        + "<p><button type=\"submit\">登录</button></p></form></body></html>";

    private static string RankingPage(string tenantName, RankingResult ranking, string token)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>")
            .Append(E(tenantName)).Append(ranking.Year).Append("年度法治政府建设考核排名</title>")
            .Append("<style>body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}th,td{border:1px solid #999;padding:3px 8px;text-align:center}</style></head><body>")
            .Append("<h1>").Append(E(tenantName)).Append(' ').Append(ranking.Year).Append("年度法治政府建设考核排名</h1>")
            .Append("<p>评分细则：").Append(E(ranking.SchemeName)).Append('（').Append(E(ranking.SchemeId)).Append("）；计算时间：")
            .Append(ranking.ComputedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", inv)).Append("（北京时间）</p>")
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

        html.Append("</tbody></table><form method=\"post\" action=\"/logout\">").Append(token).Append("<button type=\"submit\">退出登录</button></form>");
        return html.Append("<p>数据说明：除索县、阿索乡取自其年度报告的数值外，演示数据均为合成数据。</p></body></html>").ToString();
    }
}
