namespace Assessment.Grains.Abstractions;

/// <summary>One unit's submissions for one year. Key: <c>tenant/county/unit/year</c>.</summary>
[Alias("assessment.IUnitGrain")]
public interface IUnitGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores a submission; returns only after the new version is durable.</summary>
    [Alias("Submit")]
    Task<SubmissionReceipt> Submit(UnitSubmission submission);

    [Alias("GetSnapshot")]
    Task<UnitSnapshot> GetSnapshot();
}

/// <summary>One county's aggregate for one year. Key: <c>tenant/county/year</c>.</summary>
[Alias("assessment.ICountyGrain")]
public interface ICountyGrain : IGrainWithStringKey
{
    /// <summary>Applies a unit's change; idempotent on (unit, version). Returns the unit's applied version.</summary>
    [Alias("ApplyUnitChange")]
    Task<int> ApplyUnitChange(UnitChange change);

    /// <summary>The county's facts, or null when its revision still equals <paramref name="knownRevision"/>.</summary>
    [Alias("GetFactsIfChanged")]
    Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision);

    [Alias("GetAggregate")]
    Task<CountyAggregateView> GetAggregate();
}

/// <summary>One tenant's assessment of one year. Key: <c>tenant/year</c>.</summary>
[Alias("assessment.IRoundGrain")]
public interface IRoundGrain : IGrainWithStringKey
{
    /// <summary>Opens the round with a scheme and roster; opening an open round again is a no-op.</summary>
    [Alias("Open")]
    Task<RoundInfo> Open(RoundDefinition definition);

    [Alias("GetInfo")]
    Task<RoundInfo?> GetInfo();

    /// <summary>
    /// A county's facts changed (called by the county after each durable write, before its units are acknowledged), so
    /// the next ranking asks only the changed counties instead of all of them. Interleaves with a running ranking.
    /// </summary>
    [Alias("CountyChanged"), Orleans.Concurrency.AlwaysInterleave]
    Task CountyChanged(string county);

    [Alias("GetRanking")]
    Task<RankingResult> GetRanking();

    [Alias("GetCountyScore")]
    Task<CountyScore> GetCountyScore(string county);

    /// <summary>The ranking without last year's comparison (what the next year's round compares against).</summary>
    [Alias("GetRankingForComparison")]
    Task<RankingResult?> GetRankingForComparison();

    /// <summary>Scores the round's current data with a draft scheme; changes nothing.</summary>
    [Alias("Simulate")]
    Task<SimulationResult> Simulate(string schemeYaml);

    /// <summary>Pins another scheme to an open round (audited); refused once the round is published.</summary>
    [Alias("RepinScheme")]
    Task<RoundInfo> RepinScheme(string schemeYaml, string reason, string actor);

    /// <summary>Lets a county tied at the quota line keep the top grade, with a recorded reason, within the quota.</summary>
    [Alias("OverrideQuota")]
    Task<RankingResult> OverrideQuota(string county, string reason, string actor);

    /// <summary>Publishes the round: its scheme and overrides are frozen from then on.</summary>
    [Alias("Publish")]
    Task<RoundInfo> Publish(string actor);
}

/// <summary>A prefecture's profile and roster. Key: <c>tenant</c>.</summary>
[Alias("assessment.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant; returns false (and changes nothing) when it already exists.</summary>
    [Alias("Create")]
    Task<bool> Create(TenantProfile profile);

    [Alias("GetProfile")]
    Task<TenantProfile?> GetProfile();
}

/// <summary>A credential, keyed by the SHA-256 (hex) of its key; the key itself is never stored.</summary>
[Alias("assessment.ICredentialGrain")]
public interface ICredentialGrain : IGrainWithStringKey
{
    /// <summary>Stores the credential; false when one with this hash exists.</summary>
    [Alias("Issue")]
    Task<bool> Issue(Credential credential);

    [Alias("Get")]
    Task<Credential?> Get();
}
