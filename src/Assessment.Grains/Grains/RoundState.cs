using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.RoundState")]
public sealed class RoundState : Audit.IDecisionChainState
{
    /// <summary>The scheme text defined for the round, pinned when it opens (or re-pinned before publication).</summary>
    [Id(0)] public string? SchemeYaml { get; set; }
    [Id(1)] public CountyInfo[] Counties { get; set; } = [];
    [Id(2)] public DateTimeOffset? OpenedAt { get; set; }
    /// <summary>Rounds stored before the lifecycle existed only knew "published"; read once on activation.</summary>
    [Id(3)] public bool LegacyPublished { get; set; }
    /// <summary>Counties granted the quota grade at a tie, with the reason (the audit entry holds who and when).</summary>
    [Id(4)] public Dictionary<string, string> QuotaOverrides { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The latest round-level decisions, for display; every decision is also in the round's audit chain (a round
    /// stored before the chain existed has its earlier decisions copied into it from this list on activation).</summary>
    [Id(5)] public List<RoundAuditEntry> Audit { get; set; } = [];
    [Id(6)] public RoundPhase Phase { get; set; }
    [Id(7)] public DateTimeOffset SubmissionDeadline { get; set; }
    [Id(8)] public DateTimeOffset? ReviewDeadline { get; set; }
    [Id(9)] public int Version { get; set; }
    /// <summary>Each county's audit head at publication: the anchor that makes a truncated chain detectable.</summary>
    [Id(10)] public Dictionary<string, AuditAnchor> PublishedHeads { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The reminders' outbox, newest last; bounded.</summary>
    [Id(11)] public List<RoundNotification> Notifications { get; set; } = [];
    /// <summary>Reminder offsets (ticks) already handled.</summary>
    [Id(12)] public List<long> RemindersDone { get; set; } = [];
    /// <summary>The tenant catalog version the round uses, chosen when it is defined (0 in rounds stored before
    /// tenant catalogs: the national default, version 1).</summary>
    [Id(13)] public int CatalogVersion { get; set; }
    /// <summary>That version's text; null for the national default (version 1), which the platform ships.</summary>
    [Id(14)] public string? CatalogYaml { get; set; }
    /// <summary>Entries in the round's audit chain (every decision: define, open, close, re-pins, quota, publish).</summary>
    [Id(15)] public int AuditCount { get; set; }
    /// <summary>The chain's last hash.</summary>
    [Id(16)] public string AuditHash { get; set; } = AuditChain.Genesis;
    /// <summary>Entries stored with this state and not yet appended to the audit log (the next write or activation does).</summary>
    [Id(17)] public List<AuditRecord> PendingAudit { get; set; } = [];
}

/// <summary>
/// What a published round shows, frozen at publication: the ranking and every county's score. Kept apart from the
/// round's small working state because it is written once and can be large (2,850 score cards).
/// </summary>
[GenerateSerializer, Alias("assessment.PublishedRoundState")]
public sealed class PublishedRoundState
{
    [Id(0)] public RankingResult? Ranking { get; set; }
    [Id(1)] public List<CountyScore> Scores { get; set; } = [];
}
