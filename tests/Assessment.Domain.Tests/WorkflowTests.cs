using Assessment.Domain.Workflow;

namespace Assessment.Domain.Tests;

/// <summary>The workflow tables, exhaustively: every action in every state is either allowed or refused with its reason.</summary>
public class WorkflowTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<RoundWorkflow.Action, RoundPhase, string?> RoundTable() => new()
    {
        { RoundWorkflow.Action.Define, RoundPhase.Draft, null },
        { RoundWorkflow.Action.Define, RoundPhase.Open, LockReasons.RoundAlreadyOpen },
        { RoundWorkflow.Action.Define, RoundPhase.Closed, LockReasons.RoundAlreadyOpen },
        { RoundWorkflow.Action.Define, RoundPhase.Published, LockReasons.RoundPublished },
        { RoundWorkflow.Action.Open, RoundPhase.Draft, null },
        { RoundWorkflow.Action.Open, RoundPhase.Open, LockReasons.RoundAlreadyOpen },
        { RoundWorkflow.Action.Open, RoundPhase.Closed, LockReasons.RoundAlreadyOpen },
        { RoundWorkflow.Action.Open, RoundPhase.Published, LockReasons.RoundPublished },
        { RoundWorkflow.Action.Close, RoundPhase.Draft, LockReasons.RoundNotOpen },
        { RoundWorkflow.Action.Close, RoundPhase.Open, null },
        { RoundWorkflow.Action.Close, RoundPhase.Closed, LockReasons.RoundClosed },
        { RoundWorkflow.Action.Close, RoundPhase.Published, LockReasons.RoundPublished },
        { RoundWorkflow.Action.Publish, RoundPhase.Draft, LockReasons.RoundNotOpen },
        { RoundWorkflow.Action.Publish, RoundPhase.Open, LockReasons.RoundNotClosed },
        { RoundWorkflow.Action.Publish, RoundPhase.Closed, null },
        { RoundWorkflow.Action.Publish, RoundPhase.Published, LockReasons.RoundPublished },
        { RoundWorkflow.Action.ChangeScoring, RoundPhase.Draft, LockReasons.RoundNotOpen },
        { RoundWorkflow.Action.ChangeScoring, RoundPhase.Open, null },
        { RoundWorkflow.Action.ChangeScoring, RoundPhase.Closed, null },
        { RoundWorkflow.Action.ChangeScoring, RoundPhase.Published, LockReasons.RoundPublished },
    };

    [Theory]
    [MemberData(nameof(RoundTable))]
    public void Round_transitions(RoundWorkflow.Action action, RoundPhase phase, string? reason) =>
        Assert.Equal(reason, RoundWorkflow.Check(action, phase)?.Reason);

    [Fact]
    public void Round_table_covers_every_action_and_phase() =>
        Assert.Equal(Enum.GetValues<RoundWorkflow.Action>().Length * Enum.GetValues<RoundPhase>().Length, RoundTable().Count);

    // Expected reason per county status (Collecting, Submitted, Returned, Reviewed) in an open round before the deadline.
    public static TheoryData<CountyAction, string?, string?, string?, string?> CountyTable() => new()
    {
        { CountyAction.UnitSubmit, null, LockReasons.CountySubmitted, null, LockReasons.CountyReviewed },
        { CountyAction.SubmitForReview, null, LockReasons.CountySubmitted, null, LockReasons.CountyReviewed },
        { CountyAction.Return, LockReasons.CountyNotInReview, null, LockReasons.CountyNotInReview, LockReasons.CountyReviewed },
        { CountyAction.Approve, LockReasons.CountyNotInReview, null, LockReasons.CountyNotInReview, LockReasons.CountyReviewed },
        { CountyAction.Adjust, LockReasons.CountyNotInReview, null, LockReasons.CountyNotInReview, LockReasons.CountyReviewed },
        { CountyAction.AssessorEntry, null, null, null, LockReasons.CountyReviewed },
        { CountyAction.Extend, null, LockReasons.CountySubmitted, null, LockReasons.CountyReviewed },
    };

    [Theory]
    [MemberData(nameof(CountyTable))]
    public void County_actions_by_status(CountyAction action, string? collecting, string? submitted, string? returned, string? reviewed)
    {
        string?[] expected = [collecting, submitted, returned, reviewed];
        CountyStatus[] statuses = [CountyStatus.Collecting, CountyStatus.Submitted, CountyStatus.Returned, CountyStatus.Reviewed];
        for (var i = 0; i < statuses.Length; i++)
        {
            var context = new CountyContext(RoundPhase.Open, statuses[i], Now.AddDays(1), null, Now);
            Assert.Equal(expected[i], CountyWorkflow.Check(action, context)?.Reason);
        }
    }

    [Fact]
    public void County_table_covers_every_action() =>
        Assert.Equal(Enum.GetValues<CountyAction>().Length, CountyTable().Count);

    [Fact]
    public void Nothing_is_allowed_in_a_draft_or_published_round()
    {
        foreach (var action in Enum.GetValues<CountyAction>())
        {
            foreach (var status in Enum.GetValues<CountyStatus>())
            {
                Assert.Equal(LockReasons.RoundPublished, CountyWorkflow.Check(action, new(RoundPhase.Published, status, null, null, Now))?.Reason);
                var draft = CountyWorkflow.Check(action, new(RoundPhase.Draft, status, null, null, Now))?.Reason;
                Assert.Equal(status == CountyStatus.Published ? LockReasons.RoundPublished : LockReasons.RoundNotOpen, draft);
            }
        }
    }

    [Fact]
    public void Deadline_close_and_extension()
    {
        var passed = new CountyContext(RoundPhase.Open, CountyStatus.Collecting, Now.AddSeconds(-1), null, Now);
        Assert.Equal(LockReasons.DeadlinePassed, CountyWorkflow.Check(CountyAction.UnitSubmit, passed)?.Reason);
        Assert.Null(CountyWorkflow.Check(CountyAction.UnitSubmit, passed with { Now = Now.AddSeconds(-1) }));
        // An extension reopens submission for this county, even after the round closed; it ends when it ends.
        Assert.Null(CountyWorkflow.Check(CountyAction.UnitSubmit, passed with { Extension = Now.AddDays(3) }));
        Assert.Equal(LockReasons.DeadlinePassed, CountyWorkflow.Check(CountyAction.UnitSubmit, passed with { Extension = Now.AddSeconds(-1) })?.Reason);
        var closed = passed with { Phase = RoundPhase.Closed, Deadline = Now.AddDays(1) };
        Assert.Equal(LockReasons.RoundClosed, CountyWorkflow.Check(CountyAction.UnitSubmit, closed)?.Reason);
        Assert.Null(CountyWorkflow.Check(CountyAction.UnitSubmit, closed with { Extension = Now.AddDays(3) }));
        // Review goes on after the deadline and after closing.
        Assert.Null(CountyWorkflow.Check(CountyAction.SubmitForReview, closed));
        Assert.Null(CountyWorkflow.Check(CountyAction.Approve, closed with { Status = CountyStatus.Submitted }));
    }

    [Fact]
    public void Deadline_message_is_in_beijing_time()
    {
        var context = new CountyContext(RoundPhase.Open, CountyStatus.Collecting, new DateTimeOffset(2025, 2, 28, 16, 0, 0, TimeSpan.Zero), null, Now);
        Assert.Contains("2025-03-01 00:00", CountyWorkflow.Check(CountyAction.UnitSubmit, context)!.Message);
    }
}
