using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

/// <summary>
/// The round's overview: one line per county (status, completeness, timeliness) and the totals over them. The lines
/// come from what each county stored with its last write, read for all counties in one query; only a county without a
/// stored line (or a host without such a store) is asked itself. So the overview, the round's progress and a
/// bulletin's timeliness figures never activate the whole roster, which after a restart took seconds.
/// </summary>
public sealed partial class RoundGrain
{
    public async Task<RoundProgress> GetProgress() => Progress(await BoardRowsAsync());

    public async Task<RoundBoard> GetBoard()
    {
        var rows = await BoardRowsAsync();
        return new RoundBoard(Progress(rows), rows);
    }

    /// <summary>The roster's lines in roster order; none before the round is opened.</summary>
    private async Task<CountyBoardRow[]> BoardRowsAsync()
    {
        if (PinnedScheme is null || S.Phase == RoundPhase.Draft)
        {
            return [];
        }

        var roster = S.Counties; // this call interleaves: one roster throughout
        var stored = await countyFacts.ReadBoardAsync(_tenant, _year);
        var missing = roster.Where(c => stored is null || !stored.ContainsKey(c.Id)).ToArray();
        var asked = await Task.WhenAll(missing.Select(c => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year)).GetWorkflow()));
        var answered = asked.ToDictionary(v => v.County, Line, StringComparer.Ordinal);
        return roster.Select(c => answered.TryGetValue(c.Id, out var line) ? line : stored![c.Id]).ToArray();
    }

    private static CountyBoardRow Line(CountyWorkflowView v) =>
        new(v.County, v.Status, v.Version, v.Progress.UnitsExpected, v.Progress.UnitsSubmitted, v.Progress.Late, v.Progress.MissingValues,
            v.Extension, v.Adjustments.Length);

    private RoundProgress Progress(CountyBoardRow[] rows)
    {
        var byStatus = Enum.GetValues<CountyStatus>().ToDictionary(s => s, s => rows.Count(r => r.Status == s));
        var allReviewed = rows.Length == S.Counties.Length && rows.All(r => r.Status is CountyStatus.Reviewed or CountyStatus.Published);
        return new RoundProgress(
            S.Counties.Length, byStatus,
            rows.Sum(r => r.UnitsExpected), rows.Sum(r => r.UnitsSubmitted),
            rows.Sum(r => r.UnitsSubmitted - r.Late), rows.Sum(r => r.Late), rows.Sum(r => r.MissingValues),
            RoundWorkflow.Check(RoundWorkflow.Action.Define, S.Phase) is null,
            RoundWorkflow.Check(RoundWorkflow.Action.Open, S.Phase) is null && PinnedScheme is not null,
            RoundWorkflow.Check(RoundWorkflow.Action.Close, S.Phase) is null,
            RoundWorkflow.Check(RoundWorkflow.Action.Publish, S.Phase) is null && allReviewed);
    }
}
