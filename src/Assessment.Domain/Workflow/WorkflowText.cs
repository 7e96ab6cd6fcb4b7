using Assessment.Domain.Catalog;
using Assessment.Domain.Keys;
using Assessment.Domain.Validation;

namespace Assessment.Domain.Workflow;

/// <summary>The rules for what assessors write into the workflow: reasons, adjustments and their evidence.</summary>
public static class WorkflowText
{
    /// <summary>Longest reason, in code points.</summary>
    public const int MaxReason = 2000;

    /// <summary>Longest evidence of an adjustment, in code points.</summary>
    public const int MaxEvidence = 500;

    /// <summary>Largest adjustment, in points either way.</summary>
    public const double MaxAdjustmentPoints = 100;

    /// <summary>A required reason: present, within the length, and plain text.</summary>
    public static FieldViolation? Reason(string? reason, string field = "reason")
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return new(field, $"须说明理由（1–{MaxReason} 字）");
        }

        return FreeText.Problem(reason, MaxReason) is { } problem ? new(field, $"理由{problem}") : null;
    }

    /// <summary>An optional reason (e.g. a note with 上报): plain text within the length when given.</summary>
    public static FieldViolation? OptionalReason(string? reason, string field = "reason") =>
        string.IsNullOrEmpty(reason) ? null : Reason(reason, field);

    /// <summary>Every problem of an adjustment (add or revise): target, points, reason and evidence.</summary>
    public static IReadOnlyList<FieldViolation> Adjustment(IndicatorCatalog catalog, string target, double points, string? reason, string? evidence)
    {
        var violations = new List<FieldViolation>();
        if (Reason(reason) is { } r)
        {
            violations.Add(r);
        }

        if (catalog.Dimensions.All(d => d.Code != target) && !catalog.TryGet(target, out _))
        {
            violations.Add(new("target", "须为指标目录中的指标代码或一级指标代码"));
        }

        if (!double.IsFinite(points) || points == 0 || Math.Abs(points) > MaxAdjustmentPoints)
        {
            violations.Add(new("points", $"须为非零分值，扣分为负、加分为正，绝对值不超过 {MaxAdjustmentPoints:0}"));
        }

        if (FreeText.Problem(evidence, MaxEvidence) is { } e)
        {
            violations.Add(new("evidence", $"依据{e}"));
        }

        return violations;
    }
}
