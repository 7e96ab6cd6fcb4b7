using System.Globalization;
using System.Text;

namespace Assessment.Domain.Workflow;

/// <summary>How changes read in a county's audit chain: the values that changed, before and after; an adjustment in a line.</summary>
public static class AuditText
{
    /// <summary>Only the codes whose value changed, in code order, as <c>code=value</c> (未填报 when absent); null when none did.</summary>
    public static (string? Before, string? After) Diff(IReadOnlyDictionary<string, double> from, IReadOnlyDictionary<string, double> to)
    {
        // Written once per submission on the county's turn: one pass over each side, no LINQ, the texts built in place.
        var codes = new List<string>(Math.Max(from.Count, to.Count));
        foreach (var (code, value) in from)
        {
            if (!to.TryGetValue(code, out var other) || other != value)
            {
                codes.Add(code);
            }
        }

        foreach (var code in to.Keys)
        {
            if (!from.ContainsKey(code))
            {
                codes.Add(code);
            }
        }

        if (codes.Count == 0)
        {
            return (null, null);
        }

        codes.Sort(StringComparer.Ordinal);
        return (Text(from, codes), Text(to, codes));
    }

    private static string Text(IReadOnlyDictionary<string, double> values, List<string> codes)
    {
        var text = new StringBuilder(codes.Count * 40);
        foreach (var code in codes)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            text.Append(code).Append('=');
            if (values.TryGetValue(code, out var value))
            {
                text.Append(value.ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append("未填报");
            }
        }

        return text.ToString();
    }

    /// <summary>An adjustment as one line: target, signed points, reason and evidence.</summary>
    public static string Adjustment(string target, double points, string reason, string? evidence) =>
        $"{target} {points.ToString("+0.##;-0.##", CultureInfo.InvariantCulture)} 分：{reason}{(evidence is null ? "" : $"（依据：{evidence}）")}";
}

/// <summary>One unit's standing in its county's round: version, when it last stored, late or not, values missing.</summary>
public sealed record UnitStanding(string Unit, int Version, DateTimeOffset? StoredAt, bool Late, int Missing);

/// <summary>Completeness and timeliness of a county's units, from what the county keeps per unit.</summary>
public static class Standing
{
    public static UnitStanding[] Of(IReadOnlyList<string> roster, IReadOnlyDictionary<string, int> versions, IReadOnlyDictionary<string, DateTimeOffset> storedAt,
        IReadOnlyDictionary<string, int> missing, Func<string, int> required, DateTimeOffset? deadline) =>
        roster.Select(u =>
        {
            var version = versions.GetValueOrDefault(u);
            DateTimeOffset? at = storedAt.TryGetValue(u, out var t) ? t : null;
            // A unit that sent nothing lacks every required value; a submission stored after the deadline is late.
            return new UnitStanding(u, version, at, at is { } stored && deadline is { } d && stored > d, version == 0 ? required(u) : missing.GetValueOrDefault(u));
        }).ToArray();
}
