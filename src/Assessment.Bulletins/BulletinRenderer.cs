using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Assessment.Bulletins;

/// <summary>
/// Renders bulletins with the Scriban templates of <c>templates/</c>. Templates are parsed once and cached; each render
/// gets a fresh, escaping context with explicit limits sized to the data.
/// </summary>
public sealed partial class BulletinRenderer
{
    private static readonly ConcurrentDictionary<string, Template> Parsed = new(StringComparer.Ordinal);
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _tenantTimeout;

    /// <param name="timeout">Budget of a render with the built-in templates (our code, sized for 2,850 counties).</param>
    /// <param name="tenantTimeout">Budget of a render with a tenant's own template: its work is the tenant's, its time is everyone's.</param>
    public BulletinRenderer(TimeSpan? timeout = null, TimeSpan? tenantTimeout = null)
    {
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
        _tenantTimeout = tenantTimeout ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Largest tenant template accepted (UTF-8 bytes).</summary>
    public const int MaxTemplateBytes = 64 * 1024;

    private static readonly ParserOptions TenantParserOptions = new() { ExpressionDepthLimit = 64 };
    private static readonly ConcurrentDictionary<string, Template> TenantTemplates = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks a tenant's template at upload: size, syntax, nesting depth, no <c>include</c>/<c>import</c> (no loader is
    /// ever configured), and a trial render of a small sample within the render budget. Empty when acceptable.
    /// </summary>
    public IReadOnlyList<string> Check(string source, BulletinFormat format)
    {
        if (Encoding.UTF8.GetByteCount(source) > MaxTemplateBytes)
        {
            return [$"模板不超过 {MaxTemplateBytes / 1024} KiB"];
        }

        var template = Template.Parse(source, "tenant", TenantParserOptions);
        if (template.HasErrors)
        {
            return template.Messages.Select(m => $"模板语法错误：{m}").Take(10).ToArray();
        }

        if (IncludePattern().IsMatch(source))
        {
            return ["模板不能使用 include 或 import"];
        }

        try
        {
            Render(BulletinModel.Sample, format, source);
            return [];
        }
        catch (BulletinTemplateException ex)
        {
            return [ex.Message];
        }
    }

    /// <summary>Renders with the built-in template, or with <paramref name="tenantTemplate"/> when given (checked at upload).</summary>
    public RenderedBulletin Render(BulletinInput input, BulletinFormat format, string? tenantTemplate = null)
    {
        var name = format switch { BulletinFormat.Html => "bulletin.html.sbn", BulletinFormat.Verification => "verification.md.sbn", _ => "bulletin.md.sbn" };
        var template = tenantTemplate is null ? Parsed.GetOrAdd(name, static n => Parse(n)) : TenantTemplate(tenantTemplate);
        var budget = tenantTemplate is null ? _timeout : _tenantTimeout;
        using var timeout = new CancellationTokenSource(budget);
        var context = new EscapingTemplateContext(format)
        {
            // Loops run over counties and, nested, over their dimension scores; Scriban counts the iterations of a
            // loop and the loops inside it together, so the limit is sized to rows × columns, not Scriban's 1,000.
            LoopLimit = ((input.Rows.Count + 1) * (input.Dimensions.Count + input.Grades.Count + 4)) + 1000,
            RecursiveLimit = 32,
            // One printed value is at most a list of county names (e.g. every county of a grade): sized to the data.
            LimitToString = 64 * 1024 + (input.Rows.Count * 128),
            OnStringLimit = ScriptLimitBehavior.Throw,
            // Output is bounded by the data too: a tenant's 60 KB template may not print 60 million characters.
            OutputLimit = OutputLimit(input, tenantTemplate),
            OnOutputLimit = ScriptLimitBehavior.Throw,
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            CancellationToken = timeout.Token,
            // A regular expression cannot be cancelled by the token: its own time-out bounds each match.
            RegexTimeOut = TimeSpan.FromMilliseconds(100),
        };
        context.PushGlobal(BulletinModel.Build(input));
        string content;
        try
        {
            content = template.Render(context);
        }
        catch (Exception ex) when (tenantTemplate is not null && ex is Scriban.Syntax.ScriptRuntimeException or OperationCanceledException or InvalidOperationException or OutOfMemoryException)
        {
            // A tenant's template that breaks a limit fails this render only; the message says which limit.
            throw new BulletinTemplateException(ex is OperationCanceledException ? $"模板渲染超过 {budget.TotalSeconds:0} 秒" : $"模板渲染失败：{ex.Message}");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        return new RenderedBulletin(content, format == BulletinFormat.Html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8", hash);
    }

    /// <summary>
    /// Characters a render may write: room for every row with every column and the fixed text, plus the template's own
    /// length a few times over (a tenant's boilerplate), and no more.
    /// </summary>
    public static int OutputLimit(BulletinInput input, string? tenantTemplate)
    {
        long perRow = 160 + (48L * (input.Dimensions.Count + 4));
        long annexes = 512L * ((input.Adjustments?.Count ?? 0) + (input.Anchors?.Count ?? 0));
        long limit = (256L * 1024) + (input.Rows.Count * perRow * (input.Grades.Count + 3)) + annexes + (4L * (tenantTemplate?.Length ?? 64 * 1024));
        return (int)Math.Min(limit, 256L * 1024 * 1024);
    }

    private static Template TenantTemplate(string source)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)));
        if (TenantTemplates.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var template = Template.Parse(source, "tenant", TenantParserOptions);
        if (template.HasErrors)
        {
            throw new BulletinTemplateException("模板语法错误");
        }

        if (TenantTemplates.Count > 256)
        {
            TenantTemplates.Clear(); // bounded: a few templates per tenant, re-parsed on demand
        }

        return TenantTemplates[key] = template;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(include|import)\b")]
    private static partial System.Text.RegularExpressions.Regex IncludePattern();

    private static Template Parse(string name)
    {
        var resource = "Assessment.Templates." + name;
        using var stream = typeof(BulletinRenderer).Assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"Template '{name}' is not embedded.");
        using var reader = new StreamReader(stream);
        var template = Template.Parse(reader.ReadToEnd(), name);
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"Template {name} has errors: {string.Join("; ", template.Messages)}");
        }

        return template;
    }
}

/// <summary>Turns bulletin input into the Scriban model: figures are computed here, the template only lays them out.</summary>
internal static class BulletinModel
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Two counties of made-up figures: what a tenant's template is tried on at upload.</summary>
    public static readonly BulletinInput Sample = new(
        "样例市", "样例市法治办", "样法办", "各县（区）", 2025, 1, new DateOnly(2026, 1, 15), true, "样例细则", ["优秀", "合格"],
        [new BulletinDimension("org", "组织领导", 10)],
        [new BulletinRow(1, "a", "甲县", 91.5, "优秀", [9.5], false, false, 2), new BulletinRow(2, "b", "乙县", 80, "合格", [8], false, false, 1)],
        [new BulletinAdjustment("乙县", "组织领导", -1, "样例", null)],
        [new BulletinAnchor("甲县", 3, new string('0', 64))]);

    public static ScriptObject Build(BulletinInput input)
    {
        var rows = input.Rows;
        var model = new ScriptObject
        {
            ["tenant"] = input.TenantName,
            ["issuer"] = input.Issuer,
            ["doc_number"] = input.Draft ? "" : $"{input.DocumentPrefix}〔{input.IssuedOn.Year}〕{input.Sequence}号",
            ["draft"] = input.Draft,
            ["problems"] = new ScriptArray(BulletinFindings.Problems(input)),
            ["recipients"] = input.Recipients,
            ["year"] = input.Year.ToString(Inv),
            ["title"] = $"关于{input.Year}年度法治政府建设考核结果的通报",
            ["scheme"] = input.SchemeName,
            ["issued_on"] = input.Draft ? "（征求意见稿，未印发）" : $"{input.IssuedOn.Year}年{input.IssuedOn.Month}月{input.IssuedOn.Day}日",
            ["publish_scores"] = input.PublishScores,
            ["has_previous"] = rows.Any(r => r.PreviousRank is not null),
            ["county_count"] = rows.Count,
        };
        if (rows.Count > 0)
        {
            var top = rows[0];
            var bottom = rows[^1];
            model["highest"] = new ScriptObject { ["name"] = top.Name, ["total"] = F(top.Total) };
            model["lowest"] = new ScriptObject { ["name"] = bottom.Name, ["total"] = F(bottom.Total) };
            model["mean"] = F(rows.Average(r => r.Total));
        }

        var grades = new ScriptArray();
        foreach (var grade in input.Grades)
        {
            var members = rows.Where(r => r.Grade == grade).ToList();
            grades.Add(new ScriptObject
            {
                ["label"] = grade,
                ["count"] = members.Count,
                ["counties"] = new ScriptArray(members.Select(m => (object)m.Name)),
                ["names"] = string.Join("、", members.Select(m => m.Name)),
            });
        }

        model["grades"] = grades;
        model["limited_by_quota"] = new ScriptArray(rows.Where(r => r.LimitedByQuota).Select(r => (object)r.Name));
        model["dimensions"] = new ScriptArray(input.Dimensions.Select(d => (object)new ScriptObject
        {
            ["code"] = d.Code,
            ["name"] = d.Name,
            ["weight"] = d.Weight.ToString("0.##", Inv),
        }));
        model["rows"] = new ScriptArray(rows.Select(r => (object)new ScriptObject
        {
            ["rank"] = r.Rank,
            ["name"] = r.Name,
            ["total"] = F(r.Total),
            ["grade"] = r.Grade,
            ["scores"] = new ScriptArray(r.Dimensions.Select(d => (object)F(d))),
            ["limited"] = r.LimitedByQuota,
            ["change"] = r.PreviousRank is { } p ? (p - r.Rank) switch { > 0 and var up => $"↑{up}", < 0 and var down => $"↓{-down}", _ => "持平" } : "—",
            ["vetoed"] = r.Vetoed,
        }));
        model["adjustments"] = new ScriptArray((input.Adjustments ?? []).Select(a => (object)new ScriptObject
        {
            ["county"] = a.County,
            ["target"] = a.Target,
            ["points"] = a.Points.ToString("+0.##;-0.##", Inv),
            ["reason"] = a.Reason,
            ["evidence"] = a.Evidence ?? "—",
        }));
        model["documents"] = new ScriptArray((input.Documents ?? []).Select(d => (object)new ScriptObject { ["format"] = d.Format, ["sha256"] = d.Sha256 }));
        model["anchors"] = new ScriptArray((input.Anchors ?? []).Select(a => (object)new ScriptObject
        {
            ["county"] = a.County,
            ["count"] = a.Count,
            ["hash"] = a.Hash,
        }));
        return model;
    }

    private static string F(double value) => value.ToString("0.00", Inv);
}
