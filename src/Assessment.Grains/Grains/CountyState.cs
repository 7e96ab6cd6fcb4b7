using Assessment.Domain.Aggregation;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

/// <summary>
/// A county's stored state for a year: one small aggregate cell per indicator and the version of each unit it has
/// applied, its workflow state and adjustments, and the head of its audit chain (the entries live in the audit log).
/// It never holds the units' values, so its size does not grow with the number of units' submissions.
/// </summary>
[GenerateSerializer, Alias("assessment.CountyState")]
public sealed class CountyState
{
    [Id(0)] public Dictionary<string, AggregateCell> Cells { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, int> UnitVersions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Increases with every change of the county's facts or adjustments; lets readers skip unchanged counties.</summary>
    [Id(2)] public int Revision { get; set; }
    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(4)] public RoundPhase Phase { get; set; }
    [Id(5)] public CountyStatus Status { get; set; }
    /// <summary>Increases with every assessor-side change (status, adjustment, extension, assessor entry): expected_version.</summary>
    [Id(6)] public int Version { get; set; }
    [Id(7)] public DateTimeOffset? Deadline { get; set; }
    [Id(8)] public DateTimeOffset? Extension { get; set; }
    [Id(9)] public string? ReturnReason { get; set; }
    [Id(10)] public string SchemeId { get; set; } = "";
    /// <summary>The pinned roster of this county's units.</summary>
    [Id(11)] public string[] Units { get; set; } = [];
    [Id(12)] public string[] RequiredUnitCodes { get; set; } = [];
    /// <summary>Durable time of each unit's latest applied submission (timeliness).</summary>
    [Id(13)] public Dictionary<string, DateTimeOffset> UnitStoredAt { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Values each unit has not reported of those the scheme needs (completeness).</summary>
    [Id(14)] public Dictionary<string, int> UnitMissing { get; set; } = new(StringComparer.Ordinal);
    [Id(15)] public List<AdjustmentRecord> Adjustments { get; set; } = [];
    [Id(16)] public int AuditCount { get; set; }
    [Id(17)] public string AuditHash { get; set; } = AuditChain.Genesis;
    [Id(18)] public int NextAdjustment { get; set; } = 1;
    /// <summary>Audit entries stored with this state but not yet appended to the audit log (see <see cref="IAuditLog"/>).</summary>
    [Id(19)] public List<AuditRecord> PendingAudit { get; set; } = [];
    /// <summary>Request ids of the latest assessor/county writes, so a retried write is applied once.</summary>
    [Id(20)] public List<Guid> RecentRequests { get; set; } = [];
    /// <summary>The units of the pinned roster that are 乡镇（街道）; the others are 县直部门.</summary>
    [Id(21)] public string[] Townships { get; set; } = [];
    /// <summary>What the scheme needs of a township (<see cref="RequiredUnitCodes"/>: of a department).</summary>
    [Id(22)] public string[] RequiredTownshipCodes { get; set; } = [];
    /// <summary>评分人 and 复核人 of the 考核组's scores now entered, by indicator (at most one per score indicator).</summary>
    [Id(23)] public Dictionary<string, PanelMark> Marks { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The score indicators the pinned 细则 wants confirmed by a second member before approval.</summary>
    [Id(24)] public string[] ReviewCodes { get; set; } = [];
    /// <summary>Each unit's 佐证材料 now attached (count and bytes), for its quota; null until the first file.</summary>
    [Id(25), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, EvidenceTally>? Evidence { get; set; }
    /// <summary>查阅资料: the 考核组's finding per line (indicator); null until the first.</summary>
    [Id(26), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, MaterialsReview>? Reviews { get; set; }

    /// <summary>What the scheme needs of this unit, by its kind (a county stored before unit kinds: the one list).</summary>
    public string[] RequiredOf(string unit) => Array.IndexOf(Townships, unit) >= 0 ? RequiredTownshipCodes : RequiredUnitCodes;

    /// <summary>
    /// Gives back the room dictionaries and lists keep after growing (a dictionary grown to 40 units holds 79 slots):
    /// called after a write, on the grain's turn, so a county that received its units' first submissions while active
    /// holds what a county read from storage holds.
    /// </summary>
    public void Compact()
    {
        Trim(Cells);
        Trim(UnitVersions);
        Trim(UnitStoredAt);
        Trim(UnitMissing);
        if (PendingAudit.Count == 0 && PendingAudit.Capacity > 4)
        {
            PendingAudit = [];
        }

        static void Trim<TValue>(Dictionary<string, TValue> d)
        {
            if (d.EnsureCapacity(0) > d.Count + (d.Count / 2) + 4)
            {
                d.TrimExcess();
            }
        }
    }

    /// <summary>
    /// The facts of this snapshot under the year's catalog, set by the county just before it is written so the storage
    /// can keep them beside the state (the storage has no catalog of its own). Never stored inside the state.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CountyFactsSnapshot? StoredFacts { get => _storedFacts; set => _storedFacts = value; }

    [NonSerialized]
    private CountyFactsSnapshot? _storedFacts;

    /// <summary>What a ranking needs of this state: its revision, aggregated values and adjustments.</summary>
    public CountyFactsSnapshot Facts(Assessment.Domain.Catalog.IndicatorCatalog catalog) =>
        new(Revision, CountyAggregate.Values(catalog, Cells), [.. Adjustments]);

    /// <summary>Each roster unit's standing: version, when it last stored, late or not, values missing.</summary>
    public UnitStanding[] Standing() =>
        Assessment.Domain.Workflow.Standing.Of(Units, UnitVersions, UnitStoredAt, UnitMissing, unit => RequiredOf(unit).Length, Deadline);

    /// <summary>
    /// This county's line on the round's overview: where it stands and how complete its figures are. Like the facts
    /// it depends on the state alone (no clock), so it is stored with each write and read back for every county at once.
    /// </summary>
    public CountyBoardRow Board(string county)
    {
        var units = Standing();
        return new CountyBoardRow(county, Status, Version, units.Length, units.Count(u => u.Version > 0), units.Count(u => u.Late),
            units.Sum(u => u.Missing), Extension, Adjustments.Count, Reviews?.Count ?? 0);
    }

    /// <summary>A deep copy: what a write serializes must not change under it.</summary>
    public CountyState Clone() => new()
    {
        Cells = Cells.ToDictionary(kv => kv.Key, kv => new AggregateCell { Sum = kv.Value.Sum, Reporters = kv.Value.Reporters, WeightSum = kv.Value.WeightSum }, StringComparer.Ordinal),
        UnitVersions = new Dictionary<string, int>(UnitVersions, StringComparer.Ordinal),
        Revision = Revision,
        UpdatedAt = UpdatedAt,
        Phase = Phase,
        Status = Status,
        Version = Version,
        Deadline = Deadline,
        Extension = Extension,
        ReturnReason = ReturnReason,
        SchemeId = SchemeId,
        Units = Units,
        RequiredUnitCodes = RequiredUnitCodes,
        Townships = Townships,
        Marks = new Dictionary<string, PanelMark>(Marks, StringComparer.Ordinal),
        ReviewCodes = ReviewCodes,
        RequiredTownshipCodes = RequiredTownshipCodes,
        UnitStoredAt = new Dictionary<string, DateTimeOffset>(UnitStoredAt, StringComparer.Ordinal),
        UnitMissing = new Dictionary<string, int>(UnitMissing, StringComparer.Ordinal),
        Adjustments = [.. Adjustments],
        AuditCount = AuditCount,
        AuditHash = AuditHash,
        NextAdjustment = NextAdjustment,
        PendingAudit = [.. PendingAudit],
        RecentRequests = [.. RecentRequests],
        Evidence = Evidence?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        Reviews = Reviews?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
    };
}

/// <summary>How many files a unit has attached and their bytes.</summary>
[GenerateSerializer, Immutable, Alias("assessment.EvidenceTally")]
public sealed record EvidenceTally([property: Id(0)] int Files, [property: Id(1)] long Bytes);
