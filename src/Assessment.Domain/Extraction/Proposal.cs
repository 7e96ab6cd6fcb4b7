namespace Assessment.Domain.Extraction;

/// <summary>A proposed value for one indicator with the exact phrase of the report that states it.</summary>
public sealed record Proposal(string Code, double Value, string Evidence, int Start, int End, double Confidence, IReadOnlyList<double> Parts)
{
    /// <summary>The learned model's score (log-odds) of the chosen figure, before calibration.</summary>
    public double Score { get; init; }

    /// <summary>The cue phrase that named the figure (as written in the cue data); null when only the wording around it did.</summary>
    public string? Cue { get; init; }

    /// <summary>Shown as a suggestion to check (待核实), never pre-filled: below the model's pre-fill confidence, or an
    /// indicator the model has no labelled value of.</summary>
    public bool Suggestion { get; init; } = true;
}

/// <summary>What a report yields: proposals in catalog order and warnings for the person confirming them.</summary>
public sealed record ExtractionResult(IReadOnlyList<Proposal> Proposals, IReadOnlyList<string> Warnings)
{
    /// <summary>Who the report was read as written by (given, or found at its start).</summary>
    public ReportLevel Level { get; init; }
}
