using Assessment.Domain.Scoring;

namespace Assessment.Grains.Abstractions;

/// <summary>Opens a round: the scheme text is pinned into the round, so later edits of the file change nothing.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundDefinition")]
public sealed record RoundDefinition([property: Id(0)] string SchemeYaml, [property: Id(1)] CountyInfo[] Counties);

[GenerateSerializer, Immutable, Alias("assessment.RoundInfo")]
public sealed record RoundInfo(
    [property: Id(0)] int Year,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] string SchemeName,
    [property: Id(3)] CountyInfo[] Counties,
    [property: Id(4)] DateTimeOffset OpenedAt);

[GenerateSerializer, Immutable, Alias("assessment.DimensionHeader")]
public sealed record DimensionHeader([property: Id(0)] string Code, [property: Id(1)] string Name, [property: Id(2)] double Weight);

[GenerateSerializer, Immutable, Alias("assessment.RankingRow")]
public sealed record RankingRow(
    [property: Id(0)] int Rank,
    [property: Id(1)] string County,
    [property: Id(2)] string Name,
    [property: Id(3)] double Total,
    [property: Id(4)] string Grade,
    [property: Id(5)] double[] Dimensions,
    [property: Id(6)] bool LimitedByQuota,
    [property: Id(7)] bool Vetoed);

/// <summary>A round's ranking as computed from the counties' current aggregates.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RankingResult")]
public sealed record RankingResult(
    [property: Id(0)] int Year,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] string SchemeName,
    [property: Id(3)] DimensionHeader[] Dimensions,
    [property: Id(4)] RankingRow[] Rows,
    [property: Id(5)] DateTimeOffset ComputedAt,
    [property: Id(6)] string[] Grades);

/// <summary>One county's score card (domain type, carried as JSON) with its place in the ranking.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyScore")]
public sealed record CountyScore(
    [property: Id(0)] ScoreCard Card,
    [property: Id(1)] int Rank,
    [property: Id(2)] string Grade,
    [property: Id(3)] string SchemeId);
