using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.CatalogState")]
public sealed class CatalogState
{
    /// <summary>The tenant's saved versions, oldest first, from version 2 (version 1 is the shipped default).</summary>
    [Id(0)] public List<CatalogVersion> Versions { get; set; } = [];
}

/// <summary>
/// A tenant's indicator catalog. It starts as the national default (version 1, not stored) and becomes the tenant's own
/// with every saved version; rounds pin a version when they are defined, so a saved version never changes a year that
/// has one. Versions are kept (a round of any year may name one); their number is bounded.
/// </summary>
public sealed class CatalogGrain(
    [PersistentState("catalog", StorageNames.Default)] IPersistentState<CatalogState> state,
    TimeProvider clock,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    /// <summary>Most versions a tenant keeps (a few per year are usual).</summary>
    public const int MaxVersions = 60;

    /// <summary>Largest catalog text, in characters (1,000 indicators with 填报口径 fit in about half of it).</summary>
    public const int MaxTextLength = 300_000;

    private static readonly Lazy<CatalogVersion> Default = new(() =>
    {
        var catalog = IndicatorCatalog.Default;
        return new CatalogVersion(1, IndicatorCatalog.DefaultText, DateTimeOffset.UnixEpoch, "platform", "全国默认指标目录",
            catalog.Indicators.Count, catalog.Indicators.Count(i => i.Retired));
    });

    // Readers (which interleave with a save) see only versions whose write has succeeded: a version being written, or
    // lost with a failed write, is never handed out, so its number can never name two texts.
    private int _committed = -1;

    private IEnumerable<CatalogVersion> Committed => state.State.Versions.Take(_committed < 0 ? state.State.Versions.Count : _committed);

    public Task<CatalogVersion> GetLatest() => Task.FromResult(Latest);

    public Task<CatalogVersion?> Get(int version) =>
        Task.FromResult(version == 1 ? Default.Value : Committed.FirstOrDefault(v => v.Version == version));

    public Task<CatalogVersionSummary[]> List() => Task.FromResult(
        Committed.Prepend(Default.Value).Reverse()
            .Select(v => new CatalogVersionSummary(v.Version, v.SavedAt, v.Actor, v.Note, v.Indicators, v.Retired)).ToArray());

    public async Task<CatalogVersion> Save(string yaml, string actor, string? note, int? expectedVersion)
    {
        var latest = Latest;

        // The latest text again changes nothing, whatever version the caller started from: a retry of a save that
        // succeeded (its answer lost) gets that version, not a conflict.
        if (string.Equals(yaml, latest.Yaml, StringComparison.Ordinal))
        {
            return latest;
        }

        if (expectedVersion is { } expected && expected != latest.Version)
        {
            throw new AbortedException(expected, latest.Version);
        }

        if (yaml.Length > MaxTextLength)
        {
            throw new ValidationFailedException([new FieldError("catalog_yaml", $"指标目录不超过 {MaxTextLength} 个字符")]);
        }

        IndicatorCatalog next;
        try
        {
            next = CatalogLoader.Load(yaml, "catalog");
        }
        catch (DataFileException ex)
        {
            throw new ValidationFailedException(ex.Problems.Take(100).Select(p => new FieldError("catalog_yaml", p)).ToArray());
        }

        var problems = CatalogEvolution.Check(IndicatorCatalog.FromText(latest.Yaml), next);
        if (problems.Count > 0)
        {
            throw new ValidationFailedException(problems.Take(100).Select(p => new FieldError($"catalog_yaml: {p.Field}", p.Message)).ToArray());
        }

        if (state.State.Versions.Count + 1 >= MaxVersions)
        {
            throw new ResourceExhaustedException($"指标目录最多保存 {MaxVersions} 个版本。");
        }

        var saved = new CatalogVersion(latest.Version + 1, yaml, clock.GetUtcNow(), actor, string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
            next.Indicators.Count, next.Indicators.Count(i => i.Retired));
        _committed = state.State.Versions.Count;
        state.State.Versions.Add(saved);
        try
        {
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }
        finally
        {
            _committed = -1; // the stored list, as written or as restored
        }

        logger.LogInformation("Tenant {Tenant} saved catalog version {Version} ({Indicators} indicators)", this.GetPrimaryKeyString(), saved.Version, saved.Indicators);
        return saved;
    }

    private CatalogVersion Latest => Committed.LastOrDefault() ?? Default.Value;
}
