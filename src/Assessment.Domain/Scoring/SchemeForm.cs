using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Assessment.Domain.Scoring;

/// <summary>A problem of a 细则 edited as a form: the field it concerns (null: the scheme as a whole) and the message.</summary>
public sealed record FormProblem(string? Field, string Message);

/// <summary>What a form gives: the scheme text to load, the form's own problems, and the way back from scheme paths to fields.</summary>
public sealed record SchemeFormText(string Yaml, IReadOnlyList<FormProblem> Problems, Func<string, string?> FieldOf);

/// <summary>
/// The 细则 as a form in the workbench editor: every value a field named by its place in the scheme
/// (<c>dimensions[0].lines[2].points</c>), so the loader's message for a place lands on the field it concerns. A form is
/// made from a scheme (to show it) or from posted fields (checked against a fixed grammar and limits), and becomes
/// scheme text the loader checks like any other — the same rules as a YAML file or the workbook. Blank new rows and rows
/// marked for removal are left out, and every message is mapped back to the field the person typed in.
/// </summary>
public sealed partial class SchemeForm
{
    /// <summary>Most 一级指标 a form may carry.</summary>
    public const int MaxDimensions = 40;

    /// <summary>Most rows of one list (三级指标 of a dimension, bands, bonus lines).</summary>
    public const int MaxRows = 300;

    /// <summary>Most fields a posted form may carry.</summary>
    public const int MaxFields = 16_000;

    /// <summary>Longest value of one field, in characters.</summary>
    public const int MaxValue = 1_000;

    /// <summary>The fields of a 三级指标 row, in the order the editor shows them.</summary>
    public static readonly IReadOnlyList<string> LineFields =
        ["indicator", "points", "rule", "target", "lo", "hi", "n", "deduct", "inverted", "min_denominator", "cap", "missing", "review", "group", "standard", "method", "variants"];

    private static readonly string[] EventFields = ["indicator", "per", "cap"];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private SchemeForm()
    {
    }

    /// <summary>A field's value ("" when empty).</summary>
    public string this[string field] => _values.GetValueOrDefault(field, "");

    /// <summary>The row indices present in a list (e.g. <c>dimensions[0].lines</c>), in order.</summary>
    public IReadOnlyList<int> Rows(string list)
    {
        var prefix = list + "[";
        return _values.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => int.Parse(k.AsSpan(prefix.Length, k.IndexOf(']', prefix.Length) - prefix.Length), CultureInfo.InvariantCulture))
            .Distinct().Order().ToArray();
    }

    /// <summary>The next free row index of a list: where the editor offers a blank new row.</summary>
    public int Next(string list) => Rows(list) is { Count: > 0 } rows ? rows[^1] + 1 : 0;

    /// <summary>The form of a scheme, every value as the loader reads it back.</summary>
    public static SchemeForm Of(Scheme scheme)
    {
        var f = new SchemeForm();
        f.Set("name", scheme.Name);
        f.Set("deductions_cap", scheme.DeductionsCap == double.MaxValue ? "" : N(scheme.DeductionsCap));
        for (var d = 0; d < scheme.Dimensions.Count; d++)
        {
            var dim = scheme.Dimensions[d];
            var at = $"dimensions[{d}]";
            f.Set($"{at}.code", dim.Code);
            f.Set($"{at}.name", dim.Name);
            f.Set($"{at}.weight", N(dim.Weight));
            var sections = dim.Sections ?? [];
            for (var s = 0; s < sections.Count; s++)
            {
                f.Set($"{at}.sections[{s}].name", sections[s].Name);
                f.Set($"{at}.sections[{s}].points", N(sections[s].Points));
            }

            for (var i = 0; i < dim.Lines.Count; i++)
            {
                var l = dim.Lines[i];
                var lat = $"{at}.lines[{i}]";
                f.Set($"{lat}.indicator", l.Indicator);
                f.Set($"{lat}.points", N(l.Points));
                f.Set($"{lat}.rule", SchemeRules.Name(l.Rule));
                foreach (var (key, value) in SchemeRules.Parameters(l))
                {
                    f.Set($"{lat}.{key}", value ?? "true");
                }

                f.Set($"{lat}.group", l.Group ?? "");
                f.Set($"{lat}.standard", l.Standard ?? "");
                f.Set($"{lat}.method", l.Method is { } m ? ScoringStandard.MethodNames.First(x => x.Value == m).Key : "");
                f.Set($"{lat}.variants", l.Variants is null ? "" : string.Join("；", l.Variants.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={N(v.Value)}")));
            }

            for (var i = 0; i < dim.Deductions.Count; i++)
            {
                f.SetEvent($"{at}.deductions[{i}]", dim.Deductions[i]);
            }
        }

        f.Set("bonus.cap", scheme.BonusCap > 0 || scheme.Bonus.Count > 0 ? N(scheme.BonusCap) : "");
        f.Set("bonus.inside", scheme.BonusInside ? "true" : "");
        for (var i = 0; i < scheme.Bonus.Count; i++)
        {
            f.SetEvent($"bonus.lines[{i}]", scheme.Bonus[i]);
        }

        f.Set("veto", string.Join("、", scheme.Veto));
        for (var i = 0; i < scheme.Grades.Count; i++)
        {
            f.Set($"grades.bands[{i}].label", scheme.Grades[i].Label);
            f.Set($"grades.bands[{i}].min", N(scheme.Grades[i].Min));
        }

        f.Set("grades.quota.label", scheme.Quota?.Label ?? "");
        f.Set("grades.quota.share", scheme.Quota is { } q ? N(q.Share) : "");
        var g = 0;
        foreach (var (group, scale) in (scheme.GroupScales ?? new Dictionary<string, GradeScale>()).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var at = $"grades.groups[{g++}]";
            f.Set($"{at}.name", group);
            for (var i = 0; i < scale.Bands.Count; i++)
            {
                f.Set($"{at}.bands[{i}].label", scale.Bands[i].Label);
                f.Set($"{at}.bands[{i}].min", N(scale.Bands[i].Min));
            }

            f.Set($"{at}.quota.label", scale.Quota?.Label ?? "");
            f.Set($"{at}.quota.share", scale.Quota is { } gq ? N(gq.Share) : "");
        }
        return f;
    }

    /// <summary>
    /// A posted form: every field named by the grammar, within the limits. A field outside the grammar, an index beyond the
    /// limits, too many fields or too long a value is refused whole, with the reason.
    /// </summary>
    public static SchemeForm Parse(IEnumerable<KeyValuePair<string, string>> fields, out IReadOnlyList<FormProblem> problems)
    {
        var f = new SchemeForm();
        var found = new List<FormProblem>();
        var count = 0;
        foreach (var (key, value) in fields)
        {
            if (++count > MaxFields)
            {
                found.Add(new(null, $"表单字段过多（至多 {MaxFields} 个）"));
                break;
            }

            if (!Known(key))
            {
                found.Add(new(null, $"未知的表单字段“{(key.Length > 60 ? key[..60] + "…" : key)}”"));
                break;
            }

            if (value.Length > MaxValue)
            {
                found.Add(new(key, $"不超过 {MaxValue} 个字符"));
                continue;
            }

            f._values[key] = value.Trim();
        }

        problems = found;
        return f;
    }

    private static bool Known(string key)
    {
        var match = FieldGrammar().Match(key);
        if (!match.Success)
        {
            return false;
        }

        // Row indices within the limits (the grammar allows at most three digits).
        foreach (Group g in match.Groups)
        {
            foreach (Capture c in g.Captures)
            {
                if ((g.Name is "d" && int.Parse(c.Value, CultureInfo.InvariantCulture) >= MaxDimensions)
                    || (g.Name is "r" && int.Parse(c.Value, CultureInfo.InvariantCulture) >= MaxRows))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [GeneratedRegex("""
        ^(?:name|deductions_cap|veto|bonus\.cap|bonus\.inside|grades\.quota\.label|grades\.quota\.share
        |dimensions\[(?<d>[0-9]{1,3})\]\.(?:code|name|weight|remove
          |sections\[(?<r>[0-9]{1,3})\]\.(?:name|points|remove)
          |lines\[(?<r>[0-9]{1,3})\]\.(?:indicator|points|rule|target|lo|hi|n|deduct|inverted|min_denominator|cap|missing|review|group|standard|method|variants|remove)
          |deductions\[(?<r>[0-9]{1,3})\]\.(?:indicator|per|cap|remove))
        |bonus\.lines\[(?<r>[0-9]{1,3})\]\.(?:indicator|per|cap|remove)
        |grades\.bands\[(?<r>[0-9]{1,3})\]\.(?:label|min|remove)
        |grades\.groups\[(?<r>[0-9]{1,3})\]\.(?:name|remove|quota\.label|quota\.share|bands\[(?<r>[0-9]{1,3})\]\.(?:label|min|remove)))\z
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex FieldGrammar();

    /// <summary>
    /// The form as scheme text for <paramref name="code"/>@<paramref name="version"/>, with what the form does not show
    /// (the scheme-wide missing-value policy) kept from <paramref name="basis"/>.
    /// </summary>
    public SchemeFormText ToYaml(Scheme basis, string code, int version)
    {
        var problems = new List<FormProblem>();
        var back = new Dictionary<string, string>(StringComparer.Ordinal); // scheme path prefix → form path prefix
        var y = new StringBuilder();
        y.Append("code: ").Append(SchemeWriter.Text(code)).Append('\n');
        y.Append("version: ").Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Scalar(y, "", "name", this["name"]);
        if (basis.Missing != MissingPolicy.Zero)
        {
            y.Append("missing: ").Append(SchemeRules.Missing(basis.Missing)).Append('\n');
        }

        Scalar(y, "", "deductions_cap", this["deductions_cap"]);
        y.Append("dimensions:\n");
        var d = 0;
        foreach (var form in Rows("dimensions"))
        {
            var at = $"dimensions[{form}]";
            var lines = Rows($"{at}.lines").Where(i => Filled($"{at}.lines[{i}]", "indicator", "points")).ToArray();
            if (Removed(at) || (!Filled(at, "code", "name", "weight") && lines.Length == 0))
            {
                continue;
            }

            back[$"dimensions[{d}]"] = at;
            y.Append("  - code: ").Append(SchemeWriter.Text(this[$"{at}.code"] is { Length: > 0 } c ? c : $"d{form + 1}")).Append('\n');
            Scalar(y, "    ", "name", this[$"{at}.name"]);
            Scalar(y, "    ", "weight", this[$"{at}.weight"]);
            var sections = Rows($"{at}.sections").Where(i => Filled($"{at}.sections[{i}]", "name", "points")).ToArray();
            if (sections.Length > 0)
            {
                y.Append("    sections:\n");
                for (var s = 0; s < sections.Length; s++)
                {
                    back[$"dimensions[{d}].sections[{s}]"] = $"{at}.sections[{sections[s]}]";
                    Row(y, "      ", $"{at}.sections[{sections[s]}]", ["name", "points"], problems);
                }
            }

            y.Append("    lines:\n");
            for (var i = 0; i < lines.Length; i++)
            {
                back[$"dimensions[{d}].lines[{i}]"] = $"{at}.lines[{lines[i]}]";
                Row(y, "      ", $"{at}.lines[{lines[i]}]", LineFields, problems);
            }

            var deductions = Rows($"{at}.deductions").Where(i => Filled($"{at}.deductions[{i}]", "indicator", "per")).ToArray();
            if (deductions.Length > 0)
            {
                y.Append("    deductions:\n");
                for (var i = 0; i < deductions.Length; i++)
                {
                    back[$"dimensions[{d}].deductions[{i}]"] = $"{at}.deductions[{deductions[i]}]";
                    Row(y, "      ", $"{at}.deductions[{deductions[i]}]", EventFields, problems);
                }
            }

            d++;
        }

        var bonus = Rows("bonus.lines").Where(i => Filled($"bonus.lines[{i}]", "indicator", "per")).ToArray();
        if (this["bonus.cap"].Length > 0 || bonus.Length > 0)
        {
            y.Append("bonus:\n");
            Scalar(y, "  ", "cap", this["bonus.cap"] is { Length: > 0 } cap ? cap : "0");
            if (this["bonus.inside"] is "true" or "on")
            {
                y.Append("  inside: true\n");
            }

            y.Append("  lines:\n");
            for (var i = 0; i < bonus.Length; i++)
            {
                back[$"bonus.lines[{i}]"] = $"bonus.lines[{bonus[i]}]";
                Row(y, "    ", $"bonus.lines[{bonus[i]}]", EventFields, problems);
            }
        }

        var veto = this["veto"].Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (veto.Length > 0)
        {
            y.Append("veto: [").Append(string.Join(", ", veto.Select(SchemeWriter.Text))).Append("]\n");
        }

        y.Append("grades:\n  bands:\n");
        var bands = Rows("grades.bands").Where(i => Filled($"grades.bands[{i}]", "label", "min")).ToArray();
        for (var i = 0; i < bands.Length; i++)
        {
            back[$"grades.bands[{i}]"] = $"grades.bands[{bands[i]}]";
            Row(y, "    ", $"grades.bands[{bands[i]}]", ["label", "min"], problems);
        }

        if (this["grades.quota.label"].Length > 0 || this["grades.quota.share"].Length > 0)
        {
            y.Append("  quota: { label: ").Append(SchemeWriter.Text(this["grades.quota.label"]))
                .Append(", share: ").Append(SchemeWriter.Text(this["grades.quota.share"])).Append(" }\n");
        }

        GroupScales(y, back, problems);
        return new SchemeFormText(y.ToString(), problems, path => FieldOf(path, back));
    }

    /// <summary>Grade scales of county groups (<c>grades.groups</c>): each named group with its bands and quota.</summary>
    private void GroupScales(StringBuilder y, Dictionary<string, string> back, List<FormProblem> problems)
    {
        var groups = Rows("grades.groups").Where(g => Filled($"grades.groups[{g}]", "name")).ToArray();
        if (groups.Length == 0)
        {
            return;
        }

        y.Append("  groups:\n");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var at = $"grades.groups[{g}]";
            var name = this[$"{at}.name"];
            if (!seen.Add(name))
            {
                problems.Add(new($"{at}.name", $"分组“{name}”出现两次"));
                continue;
            }

            back[$"grades.groups.{name}"] = at;
            y.Append("    ").Append(SchemeWriter.Text(name)).Append(":\n      bands:\n");
            var bands = Rows($"{at}.bands").Where(i => Filled($"{at}.bands[{i}]", "label", "min")).ToArray();
            for (var i = 0; i < bands.Length; i++)
            {
                back[$"grades.groups.{name}.bands[{i}]"] = $"{at}.bands[{bands[i]}]";
                Row(y, "        ", $"{at}.bands[{bands[i]}]", ["label", "min"], problems);
            }

            if (this[$"{at}.quota.label"].Length > 0 || this[$"{at}.quota.share"].Length > 0)
            {
                y.Append("      quota: { label: ").Append(SchemeWriter.Text(this[$"{at}.quota.label"]))
                    .Append(", share: ").Append(SchemeWriter.Text(this[$"{at}.quota.share"])).Append(" }\n");
            }
        }
    }

    private static readonly char[] ListSeparators = ['、', '，', ',', ';', '；', ' ', '\n'];

    /// <summary>A loader path (<c>scheme.dimensions[0].lines[1].points</c>) as the field it concerns, or null for the whole.</summary>
    private static string? FieldOf(string path, Dictionary<string, string> back)
    {
        var p = path.StartsWith("scheme.", StringComparison.Ordinal) ? path["scheme.".Length..] : path;
        var cut = p.IndexOf(".variants", StringComparison.Ordinal);
        if (cut >= 0)
        {
            p = p[..(cut + ".variants".Length)];
        }

        // The longest mapped row prefix decides: a row's path, then its field.
        foreach (var (from, to) in back.OrderByDescending(kv => kv.Key.Length))
        {
            if (p == from || p.StartsWith(from + ".", StringComparison.Ordinal))
            {
                var field = to + p[from.Length..];
                return Known(field) ? field : null;
            }
        }

        return Known(p) ? p : null;
    }

    /// <summary>A loader message (<c>第 3 行，scheme.dimensions[0].weight：…</c>) as a problem of a field of this form.</summary>
    public static FormProblem Problem(string loaderMessage, Func<string, string?> fieldOf)
    {
        var match = LoaderMessage().Match(loaderMessage);
        if (!match.Success)
        {
            return new FormProblem(null, loaderMessage);
        }

        return new FormProblem(fieldOf(match.Groups["path"].Value), match.Groups["message"].Value);
    }

    [GeneratedRegex(@"^第 \d+ 行，(?<path>[^：]+)：(?<message>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex LoaderMessage();

    private void Set(string field, string value)
    {
        if (value.Length > 0)
        {
            _values[field] = value;
        }
    }

    private void SetEvent(string at, EventLine e)
    {
        Set($"{at}.indicator", e.Indicator);
        Set($"{at}.per", N(e.Per));
        Set($"{at}.cap", e.Cap == double.MaxValue ? "" : N(e.Cap));
    }

    private bool Removed(string at) => this[$"{at}.remove"] is "true" or "on";

    private bool Filled(string at, params string[] fields) => !Removed(at) && fields.Any(f => this[$"{at}.{f}"].Length > 0);

    private static void Scalar(StringBuilder y, string indent, string key, string value)
    {
        if (value.Length > 0)
        {
            y.Append(indent).Append(key).Append(": ").Append(SchemeWriter.Text(value)).Append('\n');
        }
    }

    /// <summary>A row as a flow mapping; every value quoted, so the loader reads what was typed and names it when it is wrong.</summary>
    private void Row(StringBuilder y, string indent, string at, IReadOnlyList<string> fields, List<FormProblem> problems)
    {
        var parts = new List<string>();
        foreach (var field in fields)
        {
            var value = this[$"{at}.{field}"];
            var flag = field is "inverted" or "review";
            if (value.Length == 0 || (flag && value is not ("true" or "on")))
            {
                continue;
            }

            if (field == "variants")
            {
                if (Variants(value) is { } variants)
                {
                    parts.Add("variants: { " + string.Join(", ", variants.Select(v => $"{SchemeWriter.Text(v.Category)}: {SchemeWriter.Text(v.Points)}")) + " }");
                }
                else
                {
                    problems.Add(new($"{at}.variants", "写作“类别=分值”，多个类别以分号分隔，如 区=3；开发区=0"));
                }

                continue;
            }

            parts.Add($"{field}: {SchemeWriter.Text(flag ? "true" : value)}");
        }

        y.Append(indent).Append("- { ").Append(string.Join(", ", parts)).Append(" }\n");
    }

    private static List<(string Category, string Points)>? Variants(string text)
    {
        var list = new List<(string, string)>();
        foreach (var part in text.Split([';', '；', ',', '，', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cut = part.IndexOfAny(['=', '：', ':']);
            if (cut <= 0 || cut == part.Length - 1)
            {
                return null;
            }

            list.Add((part[..cut].Trim(), part[(cut + 1)..].Trim()));
        }

        return list.Count == 0 ? null : list;
    }

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
