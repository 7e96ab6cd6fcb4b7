using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// Scoring and ranking: the ranking and one county's score, the what-if of a draft scheme, re-pinning and quota
/// overrides, and the ranking frozen at publication.
/// </summary>
public sealed partial class RoundGrain
{
    public async Task<RankingResult> GetRanking()
    {
        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Ranking!;
        }

        await RefreshAsync();
        if (_cache.Latest is null)
        {
            var previous = _year > GrainKeys.MinYear
                ? await GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year - 1)).GetRankingForComparison()
                : null;
            _cache.Latest = Result(_cache.Ranked!, PinnedScheme!, previous);
        }

        return _cache.Latest;
    }

    public async Task<RankingResult?> GetRankingForComparison()
    {
        if (PinnedScheme is null)
        {
            return null;
        }

        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Ranking;
        }

        await RefreshAsync();
        return Result(_cache.Ranked!, PinnedScheme, previous: null);
    }

    public async Task<CountyScore> GetCountyScore(string county)
    {
        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Scores.Find(c => c.Card.County == county)
                ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        }

        await RefreshAsync();
        var ranked = _cache.Ranked!.FirstOrDefault(r => r.County == county)
            ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        return new CountyScore(_cache.Explained(county), ranked.Rank, ranked.Grade, PinnedScheme!.Id);
    }

    public async Task<SimulationResult> Simulate(string schemeYaml)
    {
        var draft = Parse(schemeYaml);
        await RefreshAsync();
        var facts = S.Counties.Select(c => _cache.Facts(c.Id)).ToArray();
        var ranked = Ranker.Rank(draft, new Scorer(_catalog, draft).ScoreAll(facts, explain: false), Groups(), Overrides());
        var result = Result(ranked, draft, previous: null);
        var current = _cache.Ranked!.ToDictionary(r => r.County, StringComparer.Ordinal);
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
        Require(RoundWorkflow.Action.ChangeScoring, null);
        RequireReason(reason);
        var scheme = Parse(schemeYaml);
        if (scheme.VariantsOutside(S.Counties.Select(c => c.Group)) is { } outside)
        {
            throw new ValidationFailedException([new FieldError("scheme_yaml", outside)]);
        }

        if (scheme.Id == PinnedScheme!.Id)
        {
            // code@version names one text: the counties, the ranking and the bulletin all go by the name.
            if (string.Equals(schemeYaml, S.SchemeYaml, StringComparison.Ordinal))
            {
                return Info()!;
            }

            throw new ValidationFailedException([new FieldError("scheme_yaml",
                $"评分细则 {scheme.Id} 已固定为另一份内容；修改后的细则须提高 version（如 {scheme.Code}@{scheme.Version + 1}）")]);
        }

        var before = PinnedScheme!.Id;
        await PushAsync(S.Phase, actor, scheme);
        S.SchemeYaml = schemeYaml;
        S.Version++;
        AddAudit(actor, "repin_scheme", $"评分细则 {before} → {scheme.Id}", reason);
        await SaveAsync();
        Pin(scheme);
        return Info()!;
    }

    public async Task<RoundInfo> RepinCatalog(int version, string reason, string actor)
    {
        Require(RoundWorkflow.Action.ChangeScoring, null);
        RequireReason(reason);
        var before = Math.Max(1, S.CatalogVersion);
        if (version == before)
        {
            return Info()!;
        }

        var chosen = await GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Tenant(_tenant)).Get(version)
            ?? throw new ValidationFailedException([new FieldError("catalog_version", $"指标目录没有第 {version} 版")]);
        var next = IndicatorCatalog.FromText(chosen.Yaml);

        // Nothing the year holds may lose its meaning, and the pinned 细则 must still score under the new version.
        var problems = Domain.Catalog.CatalogEvolution.Check(_catalog, next).Select(p => new FieldError("catalog_version", p.Message)).ToList();
        Scheme? scheme = null;
        try
        {
            scheme = SchemeLoader.Load(S.SchemeYaml!, "scheme", next);
        }
        catch (DataFileException ex)
        {
            problems.AddRange(ex.Problems.Select(p => new FieldError("catalog_version", "现行评分细则不适用于该版本：" + p)));
        }

        if (problems.Count > 0)
        {
            throw new ValidationFailedException([.. problems.Take(50)]);
        }

        var previous = (S.CatalogVersion, S.CatalogYaml, _catalog);
        S.CatalogVersion = chosen.Version;
        S.CatalogYaml = chosen.Yaml;
        _catalog = next;
        _repinning = true; // counties read the new pin during the push; no silo keeps it until it is stored
        try
        {
            // The counties take the new version (their facts and completeness follow it) before the round records it.
            await PushAsync(S.Phase, actor, scheme!);
            S.Version++;
            AddAudit(actor, "repin_catalog", $"指标目录 第 {before} 版 → 第 {chosen.Version} 版", reason);
            await SaveAsync();
        }
        catch
        {
            // Back to the stored pin, and the counties that already took the new one told so (best effort: a county
            // that misses it reads the stored pin afresh at its next activation or schedule).
            (S.CatalogVersion, S.CatalogYaml, _catalog) = previous;
            try
            {
                await PushAsync(S.Phase, actor, PinnedScheme!);
            }
            catch (AssessmentException)
            {
            }

            throw;
        }
        finally
        {
            _repinning = false;
        }

        Pin(scheme!);
        return Info()!;
    }

    public async Task<RankingResult> OverrideQuota(string county, string reason, string actor)
    {
        Require(RoundWorkflow.Action.ChangeScoring, null);
        RequireReason(reason);
        await RefreshAsync();
        var row = _cache.Ranked!.FirstOrDefault(r => r.County == county) ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        if (!row.LimitedByQuota)
        {
            throw new PreconditionException("NOT_LIMITED_BY_QUOTA", "该县（区）未因比例限制降等，无需调整。");
        }

        var overrides = new HashSet<string>(S.QuotaOverrides.Keys, StringComparer.Ordinal) { county };
        var trial = Ranker.Rank(PinnedScheme!, _cache.Ranked!.Select(r => r.Card).ToArray(), Groups(), overrides);
        if (!trial.Single(r => r.County == county).QuotaOverride)
        {
            throw new PreconditionException("QUOTA_EXCEEDED", "该县（区）不在比例分界线上的并列名次中，或保留等次将超出比例，不能调整。");
        }

        S.QuotaOverrides[county] = reason;
        S.Version++;
        AddAudit(actor, "override_quota", $"{Names()[county]}保留{PinnedScheme!.Scale(GroupOf(county)).Quota!.Label}等次", reason);
        await SaveAsync();
        _cache.Invalidate();
        return await GetRanking();
    }

    private string? GroupOf(string county) => Array.Find(S.Counties, c => c.Id == county)?.Group;

    private Dictionary<string, string> Groups() =>
        S.Counties.Where(c => c.Group is not null).ToDictionary(c => c.Id, c => c.Group!, StringComparer.Ordinal);

    private HashSet<string> Overrides() => new(S.QuotaOverrides.Keys, StringComparer.Ordinal);

    private Dictionary<string, string> Names() => S.Counties.ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);

    /// <summary>The frozen publication, or null while the round is not published (a legacy one is frozen on first read).</summary>
    private async Task<PublishedRoundState?> FrozenAsync()
    {
        if (S.Phase != RoundPhase.Published)
        {
            return null;
        }

        if (published.State.Ranking is null)
        {
            await FreezeAsync();
        }

        return published.State;
    }

    private async Task FreezeAsync()
    {
        _cache.SweepNext(); // ask every county once more: they are frozen now
        await RefreshAsync();
        var previous = _year > GrainKeys.MinYear
            ? await GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year - 1)).GetRankingForComparison()
            : null;
        published.State = new PublishedRoundState
        {
            Ranking = Result(_cache.Ranked!, PinnedScheme!, previous),
            Scores = [.. _cache.Ranked!.Select(r => new CountyScore(_cache.Explained(r.County), r.Rank, r.Grade, PinnedScheme!.Id))],
        };
        await published.WriteOrRestoreAsync(GrainContext, logger);
    }

    private async Task RefreshAsync()
    {
        if (PinnedScheme is null)
        {
            throw new PreconditionException("ROUND_NOT_OPEN", $"{_year} 年度考核尚未开启。");
        }

        var started = clock.GetTimestamp();
        await _cache.RefreshAsync(S.Counties,
            (county, known) => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, county, _year)).GetFactsIfChanged(known),
            () => countyFacts.ReadAsync(_tenant, _year),
            Groups(), Overrides());
        logger.LogDebug("Ranked {Count} counties of {Round} in {Elapsed}", S.Counties.Length, this.GetPrimaryKeyString(), clock.GetElapsedTime(started));
    }

    private RankingResult Result(IReadOnlyList<RankedCounty> ranked, Scheme scheme, RankingResult? previous) =>
        _cache.Result(ranked, scheme, _year, Names(), previous);
}
