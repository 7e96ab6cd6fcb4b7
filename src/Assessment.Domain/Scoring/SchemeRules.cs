using System.Globalization;

namespace Assessment.Domain.Scoring;

/// <summary>
/// The names a scheme file writes for rules, and the parameters a line carries besides indicator and points: one table
/// for the loader, the canonical writer and the 细则 workbook, so a rule or option added once is known to all three.
/// </summary>
public static class SchemeRules
{
    /// <summary>Rule names as scheme files write them.</summary>
    public static readonly IReadOnlyDictionary<string, RuleKind> Names = new Dictionary<string, RuleKind>(StringComparer.Ordinal)
    {
        ["yes_no"] = RuleKind.YesNo,
        ["target_ratio"] = RuleKind.TargetRatio,
        ["linear"] = RuleKind.Linear,
        ["min_count"] = RuleKind.MinCount,
        ["peer_relative"] = RuleKind.PeerRelative,
        ["panel"] = RuleKind.Panel,
    };

    /// <summary>The name of a rule.</summary>
    public static string Name(RuleKind rule) => Names.First(r => r.Value == rule).Key;

    /// <summary>What an unreported value scores, as scheme files write it.</summary>
    public static string Missing(MissingPolicy policy) => policy switch
    {
        MissingPolicy.NotScored => "not_scored",
        MissingPolicy.Full => "full",
        _ => "zero",
    };

    /// <summary>
    /// A line's parameters in order: what its rule needs (target; lo, hi; n, deduct), then the options it carries
    /// (inverted, min_denominator, cap, missing, review). A switch has no value; numbers are written to round-trip.
    /// </summary>
    public static IEnumerable<(string Key, string? Value)> Parameters(SchemeLine line)
    {
        switch (line.Rule)
        {
            case RuleKind.TargetRatio:
                yield return ("target", N(line.Target));
                break;
            case RuleKind.Linear:
                yield return ("lo", N(line.Lo));
                yield return ("hi", N(line.Hi));
                break;
            case RuleKind.MinCount:
                yield return ("n", N(line.N));
                yield return ("deduct", N(line.Deduct));
                break;
        }

        if (line.Inverted)
        {
            yield return ("inverted", null);
        }

        if (line.MinDenominator is { } min)
        {
            yield return ("min_denominator", N(min));
        }

        if (line.Cap is { } cap)
        {
            yield return ("cap", N(cap));
        }

        if (line.Missing is { } missing)
        {
            yield return ("missing", Missing(missing));
        }

        if (line.Review)
        {
            yield return ("review", null);
        }
    }

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
