namespace Assessment.Grains.Abstractions;

/// <summary>
/// A 细则 draft saved from the workbench editor: its number among the tenant's drafts, the scheme it is
/// (<c>code@version</c>) and its canonical text, for which year it was made, who saved it, when and why.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.SchemeDraft")]
public sealed record SchemeDraft(
    [property: Id(0)] int Number,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] string Yaml,
    [property: Id(3)] int Year,
    [property: Id(4)] DateTimeOffset SavedAt,
    [property: Id(5)] string Actor,
    [property: Id(6)] string? Note);

/// <summary>A draft without its text, for listings.</summary>
[GenerateSerializer, Immutable, Alias("assessment.SchemeDraftSummary")]
public sealed record SchemeDraftSummary(
    [property: Id(0)] int Number,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] int Year,
    [property: Id(3)] DateTimeOffset SavedAt,
    [property: Id(4)] string Actor,
    [property: Id(5)] string? Note);

/// <summary>A tenant's 细则 drafts from the editor, the newest kept. Key: <c>tenant</c>.</summary>
[Alias("assessment.ISchemeDraftsGrain")]
public interface ISchemeDraftsGrain : IGrainWithStringKey
{
    /// <summary>A draft by number, or null when there is none (or it is no longer kept).</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<SchemeDraft?> Get(int number);

    /// <summary>The drafts kept, newest first, without texts.</summary>
    [Alias("List"), Orleans.Concurrency.AlwaysInterleave]
    Task<SchemeDraftSummary[]> List();

    /// <summary>
    /// Saves a new draft. Refused (aborted) when the newest draft is not <paramref name="expectedLatest"/> — someone else
    /// saved meanwhile — or when <paramref name="schemeId"/> names a draft already kept with another text. The newest
    /// draft's text again is that draft (a retry of a save whose answer was lost).
    /// </summary>
    [Alias("Save")]
    Task<SchemeDraft> Save(int year, string schemeId, string yaml, string actor, string? note, int expectedLatest);
}
