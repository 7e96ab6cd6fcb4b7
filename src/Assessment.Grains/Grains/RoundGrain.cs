using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.RoundState")]
public sealed class RoundState
{
    /// <summary>The scheme text pinned when the round opened (or re-pinned before publication).</summary>
    [Id(0)] public string? SchemeYaml { get; set; }
    [Id(1)] public CountyInfo[] Counties { get; set; } = [];
    [Id(2)] public DateTimeOffset? OpenedAt { get; set; }
    [Id(3)] public bool Published { get; set; }
    /// <summary>Counties granted the quota grade at a tie, with the reason (the audit entry holds who and when).</summary>
    [Id(4)] public Dictionary<string, string> QuotaOverrides { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Round-level changes; a handful per year.</summary>
    [Id(5)] public List<RoundAuditEntry> Audit { get; set; } = [];
}

/// <summary>
/// A tenant's assessment of one year. Ranking pulls each county's facts only when the county's revision changed since
/// the last ranking (a cheap version check), so no submission writes to this grain. Scores are kept per county:
/// a changed county is rescored, and all counties only when the peer ranges move; ranking is then a sort.
/// </summary>
public sealed class RoundGrain(
    [PersistentState("round", StorageNames.Default)] IPersistentState<RoundState> state,
    IndicatorCatalog catalog,
    TimeProvider clock,
    ILogger<RoundGrain> logger) : Grain, IRoundGrain
{
    /// <summary>Longest time between rankings that ask every county, not only those that reported a change.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private const int MaxAudit = 500;
    private readonly Dictionary<string, CountyFactsSnapshot> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScoreCard> _cards = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, PeerRange> _peers = new Dictionary<string, PeerRange>();
    private Scheme? _scheme;
    private Scorer? _scorer;
    private IReadOnlyList<RankedCounty>? _ranked;
    private RankingResult? _ranking;
    private string _tenant = "";
    private int _year;
    private HashSet<string> _changed = new(StringComparer.Ordinal);
    private long _lastSweep;

    private RoundState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _year) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        if (S.SchemeYaml is { } yaml)
        {
            Pin(SchemeLoader.Load(yaml, $"round {_tenant}/{_year} scheme", catalog));
        }

        return Task.CompletedTask;
    }

    public async Task<RoundInfo> Open(RoundDefinition definition)
    {
        if (_scheme is not null)
        {
            return Info()!;
        }

        var scheme = Parse(definition.SchemeYaml);
        if (definition.Counties.Length == 0)
        {
            throw new ValidationFailedException([new FieldError("counties", "考核名单不能为空")]);
        }

        S.SchemeYaml = definition.SchemeYaml;
        S.Counties = definition.Counties;
        S.OpenedAt = clock.GetUtcNow();
        AddAudit("system", "open", $"开启 {_year} 年度考核，评分细则 {scheme.Id}，{definition.Counties.Length} 个县（区）", null);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        Pin(scheme);
        return Info()!;
    }

    public Task<RoundInfo?> GetInfo() => Task.FromResult(Info());

    public Task CountyChanged(string county)
    {
        _changed.Add(county);
        return Task.CompletedTask;
    }

    public async Task<RankingResult> GetRanking()
    {
        await RefreshAsync();
        if (_ranking is null)
        {
            var previous = _year > GrainKeys.MinYear
                ? await GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year - 1)).GetRankingForComparison()
                : null;
            _ranking = Result(_ranked!, _scheme!, previous);
        }

        return _ranking;
    }

    public async Task<RankingResult?> GetRankingForComparison()
    {
        if (_scheme is null)
        {
            return null;
        }

        await RefreshAsync();
        return Result(_ranked!, _scheme, previous: null);
    }

    public async Task<CountyScore> GetCountyScore(string county)
    {
        await RefreshAsync();
        var ranked = _ranked!.FirstOrDefault(r => r.County == county)
            ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        return new CountyScore(ranked.Card, ranked.Rank, ranked.Grade, _scheme!.Id);
    }

    public async Task<SimulationResult> Simulate(string schemeYaml)
    {
        var draft = Parse(schemeYaml);
        await RefreshAsync();
        var facts = S.Counties.Select(c => new CountyFacts(c.Id, _facts[c.Id].Values)).ToArray();
        var ranked = Ranker.Rank(draft, new Scorer(catalog, draft).ScoreAll(facts), Groups(), Overrides());
        var result = Result(ranked, draft, previous: null);
        var current = _ranked!.ToDictionary(r => r.County, StringComparer.Ordinal);
        var names = Names();
        var moved = ranked
            .Where(r => current[r.County].Rank != r.Rank || current[r.County].Grade != r.Grade)
            .Select(r => new CountyMove(r.County, names[r.County], current[r.County].Rank, r.Rank, current[r.County].Grade, r.Grade, current[r.County].Total, r.Total))
            .ToArray();
        var counts = draft.AllGrades.ToDictionary(g => g, g => ranked.Count(r => r.Grade == g), StringComparer.Ordinal);
        return new SimulationResult(result, counts, moved);
    }

    public async Task<RoundInfo> RepinScheme(string schemeYaml, string reason, string actor)
    {
        RequireOpen();
        RequireReason(reason);
        var scheme = Parse(schemeYaml);
        var before = _scheme!.Id;
        S.SchemeYaml = schemeYaml;
        AddAudit(actor, "repin_scheme", $"评分细则 {before} → {scheme.Id}", reason);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        Pin(scheme);
        return Info()!;
    }

    public async Task<RankingResult> OverrideQuota(string county, string reason, string actor)
    {
        RequireOpen();
        RequireReason(reason);
        await RefreshAsync();
        var row = _ranked!.FirstOrDefault(r => r.County == county) ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        if (!row.LimitedByQuota)
        {
            throw new PreconditionException("NOT_LIMITED_BY_QUOTA", "该县（区）未因比例限制降等，无需调整。");
        }

        var overrides = new HashSet<string>(S.QuotaOverrides.Keys, StringComparer.Ordinal) { county };
        var trial = Ranker.Rank(_scheme!, _ranked!.Select(r => r.Card).ToArray(), Groups(), overrides);
        if (!trial.Single(r => r.County == county).QuotaOverride)
        {
            throw new PreconditionException("QUOTA_EXCEEDED", "该县（区）不在比例分界线上的并列名次中，或保留等次将超出比例，不能调整。");
        }

        S.QuotaOverrides[county] = reason;
        AddAudit(actor, "override_quota", $"{Names()[county]}保留{_scheme!.Scale(GroupOf(county)).Quota!.Label}等次", reason);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        _ranked = null;
        return await GetRanking();
    }

    public async Task<RoundInfo> Publish(string actor)
    {
        RequireOpen();
        S.Published = true;
        AddAudit(actor, "publish", $"发布 {_year} 年度考核结果（评分细则 {_scheme!.Id}）", null);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return Info()!;
    }

    private void Pin(Scheme scheme)
    {
        _scheme = scheme;
        _scorer = new Scorer(catalog, scheme);
        _cards.Clear();
        _ranked = null;
        _ranking = null;
    }

    private Scheme Parse(string yaml)
    {
        try
        {
            return SchemeLoader.Load(yaml, "scheme", catalog);
        }
        catch (DataFileException ex)
        {
            throw new ValidationFailedException(ex.Problems.Select(p => new FieldError("scheme", p)).ToArray());
        }
    }

    private void RequireOpen()
    {
        if (_scheme is null)
        {
            throw new PreconditionException("ROUND_NOT_OPEN", $"{_year} 年度考核尚未开启。");
        }

        if (S.Published)
        {
            throw new PreconditionException("ROUND_PUBLISHED", $"{_year} 年度考核结果已发布，评分细则与等次不能再变更。");
        }
    }

    private static void RequireReason(string reason)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            throw new ValidationFailedException([new FieldError("reason", "须说明理由（1–2000 字）")]);
        }
    }

    private void AddAudit(string actor, string action, string detail, string? reason)
    {
        S.Audit.Add(new RoundAuditEntry(clock.GetUtcNow(), actor, action, detail, reason));
        if (S.Audit.Count > MaxAudit)
        {
            S.Audit.RemoveRange(0, S.Audit.Count - MaxAudit);
        }
    }

    private RoundInfo? Info() => _scheme is null
        ? null
        : new RoundInfo(_year, _scheme.Id, _scheme.Name, S.Counties, S.OpenedAt!.Value, S.Published, S.Audit.ToArray());

    private string? GroupOf(string county) => Array.Find(S.Counties, c => c.Id == county)?.Group;

    private Dictionary<string, string> Groups() =>
        S.Counties.Where(c => c.Group is not null).ToDictionary(c => c.Id, c => c.Group!, StringComparer.Ordinal);

    private HashSet<string> Overrides() => new(S.QuotaOverrides.Keys, StringComparer.Ordinal);

    private Dictionary<string, string> Names() => S.Counties.ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);

    private async Task RefreshAsync()
    {
        if (_scheme is null)
        {
            throw new PreconditionException("ROUND_NOT_OPEN", $"{_year} 年度考核尚未开启。");
        }

        // Counties report their changes; all of them are asked only on the first ranking of this activation and every
        // SweepInterval (a change notice can be lost with a silo). Notices arriving while this runs wait for the next.
        var counties = S.Counties;
        var sweep = _facts.Count < counties.Length || _lastSweep == 0 || clock.GetElapsedTime(_lastSweep) > SweepInterval;
        var reported = _changed;
        _changed = new HashSet<string>(StringComparer.Ordinal);
        if (sweep)
        {
            _lastSweep = clock.GetTimestamp();
        }

        var asked = sweep ? counties : counties.Where(c => reported.Contains(c.Id)).ToArray();
        CountyFactsSnapshot?[] updates;
        try
        {
            updates = await Task.WhenAll(asked.Select(c =>
                GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year))
                    .GetFactsIfChanged(_facts.TryGetValue(c.Id, out var known) ? known.Revision : 0)));
        }
        catch
        {
            _changed.UnionWith(reported);
            _lastSweep = sweep ? 0 : _lastSweep;
            throw;
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < asked.Length; i++)
        {
            if (updates[i] is { } update)
            {
                _facts[asked[i].Id] = update;
                changed.Add(asked[i].Id);
            }
        }

        if (changed.Count == 0 && _ranked is not null && _cards.Count == counties.Length)
        {
            return;
        }

        var started = clock.GetTimestamp();
        var facts = counties.Select(c => new CountyFacts(c.Id, _facts[c.Id].Values)).ToArray();
        var peers = _scorer!.PeerRanges(facts);
        // Peer-relative lines depend on every county: when their ranges move, every card is rescored; otherwise only
        // the counties whose facts changed are.
        var rescore = !SamePeers(peers, _peers) || _cards.Count != counties.Length
            ? facts
            : facts.Where(f => changed.Contains(f.County)).ToArray();
        foreach (var county in rescore)
        {
            _cards[county.County] = _scorer.Score(county, peers);
        }

        _peers = peers;
        _ranked = Ranker.Rank(_scheme, counties.Select(c => _cards[c.Id]).ToArray(), Groups(), Overrides());
        _ranking = null;
        logger.LogDebug("Ranked {Count} counties of {Round} ({Rescored} rescored) in {Elapsed}",
            counties.Length, this.GetPrimaryKeyString(), rescore.Length, clock.GetElapsedTime(started));
    }

    private static bool SamePeers(IReadOnlyDictionary<string, PeerRange> a, IReadOnlyDictionary<string, PeerRange> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);

    private RankingResult Result(IReadOnlyList<RankedCounty> ranked, Scheme scheme, RankingResult? previous)
    {
        var names = Names();
        var before = previous?.Rows.ToDictionary(r => r.County, StringComparer.Ordinal);
        return new RankingResult(
            _year, scheme.Id, scheme.Name,
            scheme.Dimensions.Select(d => new DimensionHeader(d.Code, d.Name, d.Weight)).ToArray(),
            ranked.Select(r =>
            {
                var last = before is not null && before.TryGetValue(r.County, out var p) ? p : null;
                return new RankingRow(r.Rank, r.County, names[r.County], r.Total, r.Grade,
                    r.Card.Dimensions.Select(d => d.Points).ToArray(), r.LimitedByQuota, r.Card.Vetoed,
                    last?.Rank, last?.Total, r.QuotaOverride);
            }).ToArray(),
            clock.GetUtcNow(),
            scheme.AllGrades.ToArray());
    }
}
