namespace Assessment.Domain.Extraction;

/// <summary>A figure of a report read as one indicator, with what the learned model weighs about it.</summary>
internal sealed record FigureCandidate(string Code, NumberToken Token, int RegionStart, int RegionEnd, double Value, int CueWeight, string? Cue, int Sentence)
{
    /// <summary>A rate (the first of equals is taken, not the largest).</summary>
    public bool IsRate { get; init; }

    /// <summary>What is said of this candidate itself (its cue, its rank among the indicator's figures…).</summary>
    public List<string> Features { get; } = new(16);

    /// <summary>The character pairs around the figure, shared by the figure's candidates; the model weighs them
    /// alone and together with the indicator.</summary>
    public IReadOnlyList<string> Wording { get; set; } = [];
}

/// <summary>A report's candidates, independent of any model (read once, scored by many in cross-validation).</summary>
internal sealed record ReadReport(NormalizedText Text, ReportLevel Level, IReadOnlyList<FigureCandidate> Candidates, IReadOnlyList<string> Warnings);

/// <summary>The figure chosen for an indicator, its score, and the figures of its sentence it adds up (sums).</summary>
internal sealed record ChosenFigure(string Code, double Value, int RegionStart, int RegionEnd, double Score, string? Cue, IReadOnlyList<double> Parts);
