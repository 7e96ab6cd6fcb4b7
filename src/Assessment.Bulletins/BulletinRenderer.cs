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
            var trial = Render(BulletinModel.Sample, format, source).Content;
            // A document that navigates away (a meta refresh, in the template or put together by it) prints nothing of
            // itself: refused here with the reason, and aborted by the printer should one get through.
            return format == BulletinFormat.Html && RefreshPattern().IsMatch(trial)
                ? ["模板不能包含页面跳转（<meta http-equiv=\"refresh\">）：通报只打印其自身的内容"]
                : [];
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
        var charts = BulletinCharts.Build(input);
        var model = BulletinModel.Build(input, charts);
        var chartCharacters = charts.Sum(c => (c.Svg.Markup.Length + c.Alt.Length) * 2L);
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
            OutputLimit = (int)Math.Min(int.MaxValue, OutputLimit(input, tenantTemplate) + chartCharacters),
            OnOutputLimit = ScriptLimitBehavior.Throw,
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            CancellationToken = timeout.Token,
            // A regular expression cannot be cancelled by the token: its own time-out bounds each match.
            RegexTimeOut = TimeSpan.FromMilliseconds(100),
        };
        context.PushGlobal(model);
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

    /// <summary>Renders a 考核通知 (or 更正通知) with the built-in templates; its 细则 annex is sized to the scheme.</summary>
    public RenderedBulletin RenderNotice(NoticeInput input, BulletinFormat format)
    {
        var template = Parsed.GetOrAdd(format == BulletinFormat.Html ? "notice.html.sbn" : "notice.md.sbn", static n => Parse(n));
        using var timeout = new CancellationTokenSource(_timeout);
        var context = new EscapingTemplateContext(format)
        {
            LoopLimit = (input.Rows.Count * 8) + 1000,
            RecursiveLimit = 32,
            LimitToString = 64 * 1024,
            OnStringLimit = ScriptLimitBehavior.Throw,
            OutputLimit = 256 * 1024 + (input.Rows.Count * 2048),
            OnOutputLimit = ScriptLimitBehavior.Throw,
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            CancellationToken = timeout.Token,
            RegexTimeOut = TimeSpan.FromMilliseconds(100),
        };
        context.PushGlobal(NoticeModel.Build(input));
        var content = template.Render(context);
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

    [System.Text.RegularExpressions.GeneratedRegex(@"<meta\b[^>]*http-equiv\s*=\s*[""']?\s*refresh", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex RefreshPattern();

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(include|import)\b")]
    private static partial System.Text.RegularExpressions.Regex IncludePattern();

    /// <summary>
    /// The GB/T 9704 page and type of every document the platform issues (通报, 考核通知): one style sheet, kept in
    /// <c>templates/gbt9704.css</c> and printed where a template says <c>{{ style }}</c>.
    /// </summary>
    internal static readonly TrustedMarkup DocumentStyle = new(Embedded("gbt9704.css"));

    private static string Embedded(string name)
    {
        using var stream = typeof(BulletinRenderer).Assembly.GetManifestResourceStream("Assessment.Templates." + name)
            ?? throw new FileNotFoundException($"Template '{name}' is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Template Parse(string name)
    {
        var template = Template.Parse(Embedded(name), name);
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"Template {name} has errors: {string.Join("; ", template.Messages)}");
        }

        return template;
    }
}
