namespace Assessment.Domain.Workflow;

/// <summary>Where a tenant-year round is in its cycle. Phases only move forward.</summary>
public enum RoundPhase
{
    /// <summary>Being prepared: scheme, roster and deadlines can still change; nothing can be submitted.</summary>
    Draft = 0,
    /// <summary>Scheme and roster pinned; units submit until the deadline.</summary>
    Open = 1,
    /// <summary>Closed for submissions; review goes on.</summary>
    Closed = 2,
    /// <summary>Results published: frozen forever.</summary>
    Published = 3,
}

/// <summary>Where one county is in the review of its year.</summary>
public enum CountyStatus
{
    /// <summary>Units are filling in (填报中).</summary>
    Collecting = 0,
    /// <summary>Submitted for review by the county (已上报); units can no longer change figures.</summary>
    Submitted = 1,
    /// <summary>Returned by the assessor with a reason (已退回); units may correct and the county submit again.</summary>
    Returned = 2,
    /// <summary>Review passed (审核通过).</summary>
    Reviewed = 3,
    /// <summary>The round is published; nothing changes any more.</summary>
    Published = 4,
}

/// <summary>What can be done to a county; each is checked by <see cref="CountyWorkflow.Check"/>.</summary>
public enum CountyAction
{
    /// <summary>A unit (or the county itself) submits or corrects figures.</summary>
    UnitSubmit,
    /// <summary>The county submits its figures for review (上报).</summary>
    SubmitForReview,
    /// <summary>The assessor returns the county's figures (退回).</summary>
    Return,
    /// <summary>The assessor passes the review (审核通过).</summary>
    Approve,
    /// <summary>The assessor adds, revises or withdraws a score adjustment (核查扣分/加分).</summary>
    Adjust,
    /// <summary>The assessor enters assessor-sourced indicators (满意度, events, bonus/penalty).</summary>
    AssessorEntry,
    /// <summary>The assessor extends this county's submission deadline.</summary>
    Extend,
}

/// <summary>The reason codes carried in FAILED_PRECONDITION details (google.rpc.PreconditionFailure.type).</summary>
public static class LockReasons
{
    public const string RoundNotOpen = "ROUND_NOT_OPEN";
    public const string RoundClosed = "ROUND_CLOSED";
    public const string RoundPublished = "ROUND_PUBLISHED";
    public const string RoundAlreadyOpen = "ROUND_ALREADY_OPEN";
    public const string RoundNotClosed = "ROUND_NOT_CLOSED";
    public const string DeadlinePassed = "DEADLINE_PASSED";
    public const string CountySubmitted = "COUNTY_SUBMITTED";
    public const string CountyReviewed = "COUNTY_REVIEWED";
    public const string CountyNotInReview = "COUNTY_NOT_IN_REVIEW";
    public const string CountiesNotReviewed = "COUNTIES_NOT_REVIEWED";
    public const string UnitNotInRoster = "UNIT_NOT_IN_ROSTER";
    public const string FormOutdated = "FORM_OUTDATED";
}

/// <summary>A refused action: the reason code and the sentence a user reads.</summary>
public sealed record Refusal(string Reason, string Message);

/// <summary>What a county's lock decision depends on.</summary>
public readonly record struct CountyContext(
    RoundPhase Phase,
    CountyStatus Status,
    DateTimeOffset? Deadline,
    DateTimeOffset? Extension,
    DateTimeOffset Now)
{
    /// <summary>
    /// Figures may come in while the round is open and before its deadline, or — for a county granted an extension —
    /// until the extension ends, even after the round closed for submissions.
    /// </summary>
    public bool ExtensionActive => Extension is { } until && Now <= until;
}

/// <summary>
/// The county workflow as a pure table: collecting → submitted (上报) → returned (退回, back to collecting) or reviewed
/// (审核通过) → published. Every grain and every "may_*" flag asks this one place.
/// </summary>
public static class CountyWorkflow
{
    /// <summary>Null when the action is allowed now; otherwise the lock that refuses it.</summary>
    public static Refusal? Check(CountyAction action, in CountyContext c)
    {
        if (c.Phase == RoundPhase.Published || c.Status == CountyStatus.Published)
        {
            return new(LockReasons.RoundPublished, "本年度考核结果已发布，数据与评分均不能再变更。");
        }

        if (c.Phase == RoundPhase.Draft)
        {
            return new(LockReasons.RoundNotOpen, "本年度考核尚未开启。");
        }

        return action switch
        {
            CountyAction.UnitSubmit => c.Status switch
            {
                CountyStatus.Submitted => new(LockReasons.CountySubmitted, "本县（区）已上报，正在审核，单位不能再修改数据；如需修改请联系考核办退回。"),
                CountyStatus.Reviewed => new(LockReasons.CountyReviewed, "本县（区）已审核通过，数据不能再修改。"),
                _ when c.ExtensionActive => null,
                _ when c.Phase == RoundPhase.Closed => new(LockReasons.RoundClosed, "本年度考核已截止填报。"),
                _ when c.Deadline is { } deadline && c.Now > deadline =>
                    new(LockReasons.DeadlinePassed, $"填报截止时间（{Local(deadline)}）已过；如需补报请联系考核办延期。"),
                _ => null,
            },
            CountyAction.SubmitForReview or CountyAction.Extend => c.Status switch
            {
                CountyStatus.Submitted => new(LockReasons.CountySubmitted, "本县（区）已上报，正在审核。"),
                CountyStatus.Reviewed => new(LockReasons.CountyReviewed, "本县（区）已审核通过。"),
                _ => null,
            },
            CountyAction.Return or CountyAction.Approve or CountyAction.Adjust => c.Status switch
            {
                CountyStatus.Submitted => null,
                CountyStatus.Reviewed => new(LockReasons.CountyReviewed, "本县（区）已审核通过，不能再退回或调整。"),
                _ => new(LockReasons.CountyNotInReview, "本县（区）尚未上报，不在审核中。"),
            },
            CountyAction.AssessorEntry => c.Status == CountyStatus.Reviewed
                ? new(LockReasons.CountyReviewed, "本县（区）已审核通过，考核办录入的指标不能再修改。")
                : null,
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
    }

    /// <summary>
    /// Whether a change admitted earlier may still land in the county's figures now. The deadline does not matter (the
    /// change was admitted before it); what the county has sent up for review, or what was published, never changes
    /// under the assessors' and leaders' eyes.
    /// </summary>
    public static Refusal? CheckLanding(bool assessorEntry, in CountyContext c)
    {
        if (c.Phase == RoundPhase.Published || c.Status == CountyStatus.Published)
        {
            return new(LockReasons.RoundPublished, "本年度考核结果已发布，数据与评分均不能再变更。");
        }

        return c.Status switch
        {
            CountyStatus.Reviewed => new(LockReasons.CountyReviewed, "本县（区）已审核通过，数据不能再修改。"),
            CountyStatus.Submitted when !assessorEntry => new(LockReasons.CountySubmitted, "本县（区）已上报，单位数据须待退回后才能汇总。"),
            _ => null,
        };
    }

    /// <summary>Beijing time, as deadlines are announced.</summary>
    public static string Local(DateTimeOffset at) =>
        at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The round lifecycle as a pure table: draft → open → closed → published.</summary>
public static class RoundWorkflow
{
    public enum Action
    {
        Define,
        Open,
        Close,
        Publish,
        /// <summary>Re-pinning a scheme or overriding a quota tie: allowed until publication.</summary>
        ChangeScoring,
    }

    public static Refusal? Check(Action action, RoundPhase phase) => (action, phase) switch
    {
        (_, RoundPhase.Published) => new(LockReasons.RoundPublished, "本年度考核结果已发布，不能再变更。"),
        (Action.Define or Action.Open, RoundPhase.Draft) => null,
        (Action.Define or Action.Open, _) => new(LockReasons.RoundAlreadyOpen, "本年度考核已开启，评分细则、名单与截止时间已固定。"),
        (Action.Close, RoundPhase.Open) => null,
        (Action.Close, RoundPhase.Closed) => new(LockReasons.RoundClosed, "本年度考核已截止填报。"),
        (Action.Publish, RoundPhase.Closed) => null,
        (Action.Publish, RoundPhase.Open) => new(LockReasons.RoundNotClosed, "须先截止填报，才能发布考核结果。"),
        (Action.ChangeScoring, RoundPhase.Open or RoundPhase.Closed) => null,
        _ => new(LockReasons.RoundNotOpen, "本年度考核尚未开启。"),
    };
}
