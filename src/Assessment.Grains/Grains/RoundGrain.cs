using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.RoundState")]
public sealed class RoundState
{
    /// <summary>The scheme text pinned when the round opened.</summary>
    [Id(0)] public string? SchemeYaml { get; set; }
    [Id(1)] public CountyInfo[] Counties { get; set; } = [];
    [Id(2)] public DateTimeOffset? OpenedAt { get; set; }
}

/// <summary>
/// A tenant's assessment of one year. Ranking pulls each county's facts only when the county's revision changed
/// since the last ranking (a cheap version check), so no submission ever has to write to this grain.
/// </summary>
public sealed class RoundGrain(
    [PersistentState("round", StorageNames.Default)] IPersistentState<RoundState> state,
    IndicatorCatalog catalog,
    TimeProvider clock,
    ILogger<RoundGrain> logger) : Grain, IRoundGrain
{
    private readonly Dictionary<string, CountyFactsSnapshot> _facts = new(StringComparer.Ordinal);
    private Scheme? _scheme;
    private RankingResult? _ranking;
    private Dictionary<string, CountyScore>? _cards;
    private string _tenant = "";
    private int _year;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _year) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        if (state.State.SchemeYaml is { } yaml)
        {
            _scheme = SchemeLoader.Load(yaml, $"round {_tenant}/{_year} scheme", catalog);
        }

        return Task.CompletedTask;
    }

    public async Task<RoundInfo> Open(RoundDefinition definition)
    {
        if (_scheme is not null)
        {
            return Info()!;
        }

        Scheme scheme;
        try
        {
            scheme = SchemeLoader.Load(definition.SchemeYaml, "scheme", catalog);
        }
        catch (Domain.DataFileException ex)
        {
            throw new ValidationFailedException(ex.Problems.Select(p => new FieldError("scheme", p)).ToArray());
        }

        if (definition.Counties.Length == 0)
        {
            throw new ValidationFailedException([new FieldError("counties", "考核名单不能为空")]);
        }

        state.State.SchemeYaml = definition.SchemeYaml;
        state.State.Counties = definition.Counties;
        state.State.OpenedAt = clock.GetUtcNow();
        await state.WriteOrRestoreAsync(GrainContext, logger);
        _scheme = scheme;
        return Info()!;
    }

    public Task<RoundInfo?> GetInfo() => Task.FromResult(Info());

    public async Task<RankingResult> GetRanking()
    {
        await RefreshAsync();
        return _ranking!;
    }

    public async Task<CountyScore> GetCountyScore(string county)
    {
        await RefreshAsync();
        return _cards!.TryGetValue(county, out var card)
            ? card
            : throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
    }

    private RoundInfo? Info() => _scheme is null
        ? null
        : new RoundInfo(_year, _scheme.Id, _scheme.Name, state.State.Counties, state.State.OpenedAt!.Value);

    private async Task RefreshAsync()
    {
        if (_scheme is null)
        {
            throw new PreconditionException("ROUND_NOT_OPEN", $"{_year} 年度考核尚未开启。");
        }

        var counties = state.State.Counties;
        var updates = await Task.WhenAll(counties.Select(c =>
            GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year))
                .GetFactsIfChanged(_facts.TryGetValue(c.Id, out var known) ? known.Revision : 0)));
        var changed = false;
        for (var i = 0; i < counties.Length; i++)
        {
            if (updates[i] is { } facts)
            {
                _facts[counties[i].Id] = facts;
                changed = true;
            }
        }

        if (!changed && _ranking is not null)
        {
            return;
        }

        var started = clock.GetTimestamp();
        var scorer = new Scorer(catalog, _scheme);
        var cards = scorer.ScoreAll(counties.Select(c => new CountyFacts(c.Id, _facts[c.Id].Values)).ToArray());
        var ranked = Ranker.Rank(_scheme, cards);
        var names = counties.ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);
        _ranking = new RankingResult(
            _year, _scheme.Id, _scheme.Name,
            _scheme.Dimensions.Select(d => new DimensionHeader(d.Code, d.Name, d.Weight)).ToArray(),
            ranked.Select(r => new RankingRow(r.Rank, r.County, names[r.County], r.Total, r.Grade,
                r.Card.Dimensions.Select(d => d.Points).ToArray(), r.LimitedByQuota, r.Card.Vetoed)).ToArray(),
            clock.GetUtcNow(),
            _scheme.Grades.Select(g => g.Label).ToArray());
        _cards = ranked.ToDictionary(r => r.County, r => new CountyScore(r.Card, r.Rank, r.Grade, _scheme.Id), StringComparer.Ordinal);
        logger.LogDebug("Ranked {Count} counties of {Round} in {Elapsed}", counties.Length, this.GetPrimaryKeyString(), clock.GetElapsedTime(started));
    }
}
