namespace Assessment.Domain.Scoring;

/// <summary>How a line's value was obtained.</summary>
public enum LineStatus
{
    /// <summary>Scored from a value.</summary>
    Scored,
    /// <summary>No value reported: scores 0 (未填报).</summary>
    Missing,
    /// <summary>A rate whose denominator is below the minimum: not scored, its points go to the dimension's other lines.</summary>
    NotScored,
}

/// <summary>One line of a score card with the explanation an assessor reads out ("why 7.5 of 10?").</summary>
public sealed record ScoreLine(
    string Indicator,
    string Name,
    string Rule,
    LineStatus Status,
    double? Value,
    double? Numerator,
    double? Denominator,
    double Points,
    double Max,
    string Explanation,
    string? Standard = null,
    string? Method = null);

/// <summary>A dimension's subtotal and its lines (deductions are lines with negative points).</summary>
public sealed record DimensionScore(string Code, string Name, double Weight, double Points, IReadOnlyList<ScoreLine> Lines);

/// <summary>A county's full score for one scheme. <see cref="Adjusted"/> is the net effect of assessor adjustments.</summary>
public sealed record ScoreCard(
    string County,
    double Total,
    double Bonus,
    double Deductions,
    bool Vetoed,
    string? VetoReason,
    IReadOnlyList<DimensionScore> Dimensions,
    IReadOnlyList<ScoreLine> BonusLines,
    double Adjusted = 0);
