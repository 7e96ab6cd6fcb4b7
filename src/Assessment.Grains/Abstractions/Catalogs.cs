namespace Assessment.Grains.Abstractions;

/// <summary>
/// One version of a tenant's indicator catalog: the text as saved (YAML, validated), who saved it and when. Version 1
/// of every tenant is the national default the platform ships.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.CatalogVersion")]
public sealed record CatalogVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] string Yaml,
    [property: Id(2)] DateTimeOffset SavedAt,
    [property: Id(3)] string Actor,
    [property: Id(4)] string? Note,
    [property: Id(5)] int Indicators,
    [property: Id(6)] int Retired);

/// <summary>A catalog version without its text, for listings.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CatalogVersionSummary")]
public sealed record CatalogVersionSummary(
    [property: Id(0)] int Version,
    [property: Id(1)] DateTimeOffset SavedAt,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Note,
    [property: Id(4)] int Indicators,
    [property: Id(5)] int Retired);

/// <summary>
/// The catalog a round of a year uses: the version chosen when the round was defined, its text, and whether it is fixed
/// (the round is open or later and no re-pin is under way, so the answer may be kept for a while).
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.YearCatalog")]
public sealed record YearCatalog(
    [property: Id(0)] int Version,
    [property: Id(1)] string? Yaml,
    [property: Id(2)] bool Fixed);

/// <summary>A tenant's indicator catalog and its versions. Key: <c>tenant</c>.</summary>
[Alias("assessment.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>The newest version (version 1, the national default, until the tenant saves its own).</summary>
    [Alias("GetLatest"), Orleans.Concurrency.AlwaysInterleave]
    Task<CatalogVersion> GetLatest();

    /// <summary>A version by number, or null when there is none.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<CatalogVersion?> Get(int version);

    /// <summary>Every version, newest first, without texts.</summary>
    [Alias("List"), Orleans.Concurrency.AlwaysInterleave]
    Task<CatalogVersionSummary[]> List();

    /// <summary>
    /// Saves a new version after checking it (loader rules and what may change from the previous version). With an
    /// expected version, refused when the latest is another one. Saving the latest text again changes nothing.
    /// </summary>
    [Alias("Save")]
    Task<CatalogVersion> Save(string yaml, string actor, string? note, int? expectedVersion);
}
