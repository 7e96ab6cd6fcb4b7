using System.Globalization;
using System.Text;

namespace Assessment.Domain.Scoring;

/// <summary>
/// Writes a scheme as its canonical YAML: the one text every way of making a 细则 ends in (a YAML file, the workbook, the
/// editor), so two schemes that score alike read alike, and the text a round pins is what the loader reads back.
/// </summary>
public static class SchemeWriter
{
    public static string Write(Scheme scheme)
    {
        var y = new StringBuilder();
        y.Append("code: ").Append(Text(scheme.Code)).Append('\n');
        y.Append("version: ").Append(N(scheme.Version)).Append('\n');
        y.Append("name: ").Append(Text(scheme.Name)).Append('\n');
        if (scheme.Missing != MissingPolicy.Zero)
        {
            y.Append("missing: ").Append(SchemeRules.Missing(scheme.Missing)).Append('\n');
        }

        if (scheme.DeductionsCap != double.MaxValue)
        {
            y.Append("deductions_cap: ").Append(N(scheme.DeductionsCap)).Append('\n');
        }

        y.Append("dimensions:\n");
        foreach (var d in scheme.Dimensions)
        {
            y.Append("  - code: ").Append(Text(d.Code)).Append('\n');
            y.Append("    name: ").Append(Text(d.Name)).Append('\n');
            y.Append("    weight: ").Append(N(d.Weight)).Append('\n');
            // 二级指标 with their 分值 where the 细则 declares them; otherwise the groups stay on the lines (and a scheme
            // pinned before sections existed is written as it was).
            if (d.Sections is { Count: > 0 } sections)
            {
                y.Append("    sections:\n");
                foreach (var section in sections)
                {
                    y.Append("      - { name: ").Append(Text(section.Name)).Append(", points: ").Append(N(section.Points)).Append(" }\n");
                }
            }

            y.Append("    lines:\n");
            foreach (var l in d.Lines)
            {
                y.Append("      - ").Append(Line(l)).Append('\n');
            }

            if (d.Deductions.Count > 0)
            {
                y.Append("    deductions:\n");
                foreach (var e in d.Deductions)
                {
                    y.Append("      - ").Append(Event(e)).Append('\n');
                }
            }
        }

        if (scheme.BonusCap > 0 || scheme.Bonus.Count > 0)
        {
            y.Append("bonus:\n  cap: ").Append(N(scheme.BonusCap)).Append('\n');
            if (scheme.BonusInside)
            {
                y.Append("  inside: true\n");
            }

            y.Append("  lines:\n");
            foreach (var e in scheme.Bonus)
            {
                y.Append("    - ").Append(Event(e)).Append('\n');
            }
        }

        if (scheme.Veto.Count > 0)
        {
            y.Append("veto: [").Append(string.Join(", ", scheme.Veto.Select(Text))).Append("]\n");
        }

        y.Append("grades:\n");
        Scale(y, "  ", scheme.Grades, scheme.Quota);
        GroupScales(y, scheme);
        return y.ToString();
    }

    /// <summary>The grade scales of county groups (<c>grades.groups</c>), when the scheme has any.</summary>
    public static void GroupScales(StringBuilder y, Scheme scheme)
    {
        if (scheme.GroupScales is { Count: > 0 } groups)
        {
            y.Append("  groups:\n");
            foreach (var (group, scale) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                y.Append("    ").Append(Text(group)).Append(":\n");
                Scale(y, "      ", scale.Bands, scale.Quota);
            }
        }
    }

    private static void Scale(StringBuilder y, string indent, IReadOnlyList<GradeBand> bands, GradeQuota? quota)
    {
        y.Append(indent).Append("bands:\n");
        foreach (var b in bands)
        {
            y.Append(indent).Append("  - { label: ").Append(Text(b.Label)).Append(", min: ").Append(N(b.Min)).Append(" }\n");
        }

        if (quota is not null)
        {
            y.Append(indent).Append("quota: { label: ").Append(Text(quota.Label)).Append(", share: ").Append(N(quota.Share)).Append(" }\n");
        }
    }

    private static string Line(SchemeLine l)
    {
        var parts = new List<string> { $"indicator: {Text(l.Indicator)}", $"points: {N(l.Points)}", $"rule: {SchemeRules.Name(l.Rule)}" };
        parts.AddRange(SchemeRules.Parameters(l).Select(p => $"{p.Key}: {p.Value ?? "true"}"));
        if (l.Group is { Length: > 0 } group)
        {
            parts.Add($"group: {Text(group)}");
        }

        if (l.Standard is { Length: > 0 } standard)
        {
            parts.Add($"standard: {Text(standard)}");
        }

        if (l.Method is { } method)
        {
            parts.Add($"method: {ScoringStandard.MethodNames.First(m => m.Value == method).Key}");
        }

        if (l.Variants is { Count: > 0 } variants)
        {
            parts.Add("variants: { " + string.Join(", ", variants.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{Text(v.Key)}: {N(v.Value)}")) + " }");
        }

        return "{ " + string.Join(", ", parts) + " }";
    }

    private static string Event(EventLine e) =>
        $"{{ indicator: {Text(e.Indicator)}, per: {N(e.Per)}{(e.Cap == double.MaxValue ? "" : $", cap: {N(e.Cap)}")} }}";

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A YAML double-quoted scalar: every character that needs it escaped, nothing left to a YAML reader's guess.</summary>
    public static string Text(string value)
    {
        var s = new StringBuilder("\"");
        foreach (var c in value)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x20 || c == 0x7F => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }

        return s.Append('"').ToString();
    }
}
