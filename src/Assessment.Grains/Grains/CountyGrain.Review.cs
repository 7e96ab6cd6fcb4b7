using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// The county's review workflow (上报, 退回, 审核通过, 延期, 核查调整): each write checks the request it names, then the
/// lock table, applies once per request id, records its audit entry and joins the group write.
/// </summary>
public sealed partial class CountyGrain
{
    public Task<CountyWorkflowView> SubmitForReview(WorkflowCommand command) =>
        TransitionAsync(CountyAction.SubmitForReview, CountyStatus.Submitted, "submit_for_review", command, reasonRequired: false);

    public Task<CountyWorkflowView> Return(WorkflowCommand command) =>
        TransitionAsync(CountyAction.Return, CountyStatus.Returned, "return", command, reasonRequired: true);

    public Task<CountyWorkflowView> Approve(WorkflowCommand command) =>
        TransitionAsync(CountyAction.Approve, CountyStatus.Reviewed, "approve", command, reasonRequired: false);

    public async Task<CountyWorkflowView> Extend(DateTimeOffset until, WorkflowCommand command)
    {
        if (await AlreadyAppliedAsync(command))
        {
            return View();
        }

        RequireReason(command.Reason);
        Require(CountyAction.Extend, command);
        if (until <= clock.GetUtcNow())
        {
            throw new ValidationFailedException([new FieldError("until", "延期截止时间须晚于当前时间")]);
        }

        var before = S.Extension is { } e ? CountyWorkflow.Local(e) : null;
        S.Extension = until;
        S.Version++;
        Remember(command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Actor, "extend", "deadline", before, CountyWorkflow.Local(until), command.Reason));
        await PersistAsync();
        return View();
    }

    public async Task<CountyWorkflowView> ReviewScore(ScoreReviewCommand command)
    {
        if (await AlreadyAppliedAsync(command.Command))
        {
            return View();
        }

        Require(CountyAction.AssessorEntry, command.Command); // confirmed whenever a score may still be entered
        if (Domain.Workflow.WorkflowText.OptionalReason(command.Command.Reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }

        var name = _catalog.TryGet(command.Indicator, out var indicator) ? indicator.Name : command.Indicator;
        // A score entered before marks were kept has an unknown 评分人: any member may confirm it.
        if (!S.Marks.TryGetValue(command.Indicator, out var mark))
        {
            mark = Values().TryGetValue(command.Indicator, out var entered) && indicator?.Kind == Domain.Catalog.IndicatorKind.Score
                ? new PanelMark(entered, "", S.UpdatedAt ?? clock.GetUtcNow())
                : throw new PreconditionException("NOT_SCORED", $"{name}尚未评分，无需复核。");
        }

        if (mark.Value != command.Value)
        {
            throw new ConflictException($"{name}的评分已改为 {Domain.Scoring.Scorer.F(mark.Value)}（您看到的是 {Domain.Scoring.Scorer.F(command.Value)}）：请刷新后重新复核。");
        }

        var own = mark.ScorerId is not null && command.ReviewerId is not null ? mark.ScorerId == command.ReviewerId : mark.Scorer == command.Command.Actor;
        if (own)
        {
            throw new PreconditionException("SELF_REVIEW", "评分人不能复核自己的评分：须由考核组另一位成员复核。");
        }

        if (mark.Reviewer is not null)
        {
            return View(); // confirmed already (by this member or another): nothing more to record
        }

        S.Marks[command.Indicator] = mark with { Reviewer = command.Command.Actor, ReviewedAt = clock.GetUtcNow() };
        S.Version++;
        Remember(command.Command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Command.Actor, "panel_review", name,
            $"{Domain.Scoring.Scorer.F(mark.Value)}（评分人 {(mark.Scorer.Length > 0 ? mark.Scorer : "未记录")}）", "复核确认", command.Command.Reason));
        await PersistAsync();
        return View();
    }

    /// <summary>
    /// The 考核组 scores the 细则 wants confirmed that are entered and not yet confirmed (a score entered before marks
    /// were kept counts as unconfirmed). An item not scored at all is scored by the 细则's missing-value rule instead.
    /// </summary>
    private string[] Unreviewed()
    {
        if (S.ReviewCodes.Length == 0)
        {
            return [];
        }

        var values = Values();
        return S.ReviewCodes
            .Where(c => S.Marks.TryGetValue(c, out var m) ? m.Reviewer is null : values.ContainsKey(c))
            .Select(c => _catalog.TryGet(c, out var i) ? i.Name : c)
            .ToArray();
    }

    public async Task<CountyWorkflowView> Adjust(AdjustmentCommand command)
    {
        if (await AlreadyAppliedAsync(command.Command))
        {
            return View();
        }

        Require(CountyAction.Adjust, command.Command);
        var reason = command.Command.Reason;
        var existing = command.Id is null ? null : S.Adjustments.Find(a => a.Id == command.Id)
            ?? throw new NotFoundException("没有该调整项。");
        AdjustmentRecord? next = null;
        if (!command.Withdraw)
        {
            var violations = WorkflowText.Adjustment(_catalog, command.Target, command.Points, reason, command.Evidence);
            if (violations.Count > 0)
            {
                throw new ValidationFailedException([.. violations.Select(v => new FieldError(v.Field, v.Description))]);
            }

            if (existing is null && S.Adjustments.Count >= MaxAdjustments)
            {
                throw new PreconditionException("TOO_MANY_ADJUSTMENTS", $"每个县（区）最多 {MaxAdjustments} 项调整。");
            }

            next = new AdjustmentRecord(existing?.Id ?? $"adj-{S.NextAdjustment++}", command.Target, command.Points, reason!,
                string.IsNullOrWhiteSpace(command.Evidence) ? null : command.Evidence, command.Command.Actor, clock.GetUtcNow());
        }
        else if (existing is null)
        {
            throw new ValidationFailedException([new FieldError("id", "撤销调整须指明调整项")]);
        }

        if (existing is not null)
        {
            S.Adjustments.Remove(existing);
        }

        if (next is not null)
        {
            S.Adjustments.Add(next);
        }

        S.Version++;
        Remember(command.Command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Command.Actor,
            command.Withdraw ? "adjust_withdraw" : existing is null ? "adjust" : "adjust_revise",
            (next ?? existing)!.Id, Describe(existing), Describe(next), reason));
        FactsChanged();
        await PersistAsync();
        return View();
    }

    private async Task<CountyWorkflowView> TransitionAsync(CountyAction action, CountyStatus to, string name, WorkflowCommand command, bool reasonRequired)
    {
        if (await AlreadyAppliedAsync(command))
        {
            return View();
        }

        // What was written is checked before the state it meets: a bad reason is a bad request in any state.
        if (reasonRequired)
        {
            RequireReason(command.Reason);
        }
        else if (WorkflowText.OptionalReason(command.Reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }

        Require(action, command);

        if (action == CountyAction.SubmitForReview)
        {
            // New submissions are refused from here on; every unit then finishes what it was doing and pushes what the
            // county lacks, so the figures under review are exactly the ones the units were told were stored.
            _submitting = true;
            try
            {
                await SyncUnitsAsync();
            }
            finally
            {
                _submitting = false;
            }

            // The county takes other calls while its units sync: a repeat of this very request may have been applied
            // meanwhile, and answers as applied rather than as refused.
            if (await AlreadyAppliedAsync(command))
            {
                return View();
            }

            Require(action, command);
        }

        // The 细则 wants some 考核组 scores confirmed by a second member: approval waits for them. Checked on this turn,
        // right before the status changes, so nothing can slip in between.
        if (action == CountyAction.Approve && Unreviewed() is { Length: > 0 } open)
        {
            throw new PreconditionException("PANEL_NOT_REVIEWED", $"以下考核组评分尚未复核，暂不能审核通过：{string.Join("、", open)}。请考核组另一位成员在“考核组评分”页复核。");
        }

        var before = S.Status;
        S.Status = to;
        S.Version++;
        Remember(command);
        if (to == CountyStatus.Returned)
        {
            S.ReturnReason = command.Reason;
        }

        Audit(new AuditEvent(clock.GetUtcNow(), command.Actor, name, "status", before.ToString(), to.ToString(), command.Reason));
        await PersistAsync();
        return View();
    }

    private async Task SyncUnitsAsync()
    {
        var units = S.Units.Concat(S.UnitVersions.Keys).Append(GrainKeys.CountySelf).Append(GrainKeys.AssessorEntry).Distinct(StringComparer.Ordinal);
        var synced = await Task.WhenAll(units.Select(async u =>
        {
            try
            {
                return await GrainFactory.GetGrain<IUnitGrain>(GrainKeys.Unit(_tenant, _county, u, _year)).Sync();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "County {County}: unit {Unit} could not sync for 上报", Chain, u);
                return false;
            }
        }));
        if (synced.Contains(false))
        {
            throw new UnavailableException("部分单位已保存的数据尚未汇总到县级，本次上报未完成，请稍后重试。");
        }
    }

    /// <summary>A write whose request id this county already applied answers with the current view, once it is durable.</summary>
    private async Task<bool> AlreadyAppliedAsync(WorkflowCommand command)
    {
        if (command.RequestId is not { } id || !S.RecentRequests.Contains(id))
        {
            return false;
        }

        await DurableAsync();
        return S.RecentRequests.Contains(id);
    }

    private void Remember(WorkflowCommand command)
    {
        if (command.RequestId is { } id)
        {
            RememberRequest(id);
        }
    }

    private static void RequireReason(string? reason)
    {
        if (WorkflowText.Reason(reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }
    }
}
