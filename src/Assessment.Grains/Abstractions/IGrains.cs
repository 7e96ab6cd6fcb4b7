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

    /// <summary>
    /// Runs after any submission in progress (the grain takes one call at a time), pushes what the county lacks and
    /// answers whether the county now has the unit's latest version. A county calls it for 上报.
    /// </summary>
    [Alias("Sync")]
    Task<bool> Sync();
}

/// <summary>One county's aggregate for one year. Key: <c>tenant/county/year</c>.</summary>
[Alias("assessment.ICountyGrain")]
public interface ICountyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Attaches a stored file to a unit's figure: allowed while the unit may change its figures (not after 上报 until
    /// 退回), within the unit's quota; the audit entry carries the file's hash. Idempotent on the file id.
    /// </summary>
    [Alias("AttachEvidence")]
    Task<AuditAnchor> AttachEvidence(EvidenceAttachment attachment);

    /// <summary>
    /// Whether a unit may start an upload of this size now (its figures' rule and its quota as things stand), so a
    /// refusal comes before any byte is stored; the attachment checks again.
    /// </summary>
    [Alias("AdmitEvidence")]
    Task AdmitEvidence(string unit, long size, int maxFilesPerUnit, long maxBytesPerUnit);

    /// <summary>Takes an attached file off its figure with a reason, under the same rule; idempotent on the file id.</summary>
    [Alias("RemoveEvidence")]
    Task<AuditAnchor> RemoveEvidence(EvidenceRemoval removal);

    /// <summary>查阅资料: the 考核组 marks a line 材料齐全 / 材料不全 / 不予认可 (the last two with a reason), while in review.</summary>
    [Alias("ReviewMaterials")]
    Task<CountyWorkflowView> ReviewMaterials(MaterialsReviewCommand command);

    /// <summary>The lines marked so far, by indicator.</summary>
    [Alias("GetMaterialsReviews")]
    Task<Dictionary<string, MaterialsReview>> GetMaterialsReviews();

    /// <summary>Applies a unit's change; idempotent on (unit, version). Returns the unit's applied version.</summary>
    [Alias("ApplyUnitChange")]
    Task<int> ApplyUnitChange(UnitChange change);

    /// <summary>The county's facts, or null when its revision still equals <paramref name="knownRevision"/>.</summary>
    [Alias("GetFactsIfChanged")]
    Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision);

    [Alias("GetAggregate")]
    Task<CountyAggregateView> GetAggregate();

    /// <summary>
    /// Asked by a unit before it stores a submission: refuses with the lock's reason (or ABORTED on a stale expected
    /// version) while the county does not take figures from that unit. A later 上报 first brings every unit's stored
    /// submissions into the county (<see cref="IUnitGrain.Sync"/>).
    /// </summary>
    [Alias("Admit")]
    Task Admit(string unit, int? expectedVersion);

    /// <summary>The round's phase, deadline, scheme and roster; idempotent, phases only move forward. Returns the audit head.</summary>
    [Alias("SetSchedule")]
    Task<AuditAnchor> SetSchedule(RoundSchedule schedule);

    /// <summary>上报: the county submits its figures for review.</summary>
    [Alias("SubmitForReview")]
    Task<CountyWorkflowView> SubmitForReview(WorkflowCommand command);

    /// <summary>退回: the assessor returns the figures with a reason; units may correct them again.</summary>
    [Alias("Return")]
    Task<CountyWorkflowView> Return(WorkflowCommand command);

    /// <summary>审核通过.</summary>
    [Alias("Approve")]
    Task<CountyWorkflowView> Approve(WorkflowCommand command);

    /// <summary>Extends this county's submission deadline (audited with the reason).</summary>
    [Alias("Extend")]
    Task<CountyWorkflowView> Extend(DateTimeOffset until, WorkflowCommand command);

    /// <summary>Adds, revises or withdraws a score adjustment; only while the county is in review.</summary>
    [Alias("Adjust")]
    Task<CountyWorkflowView> Adjust(AdjustmentCommand command);

    /// <summary>
    /// 复核: a second member of the 考核组 confirms a score as they saw it. Refused when the score has changed since, when
    /// the 评分人 confirms their own score, or when the county may no longer change; audited. Idempotent by request id.
    /// </summary>
    [Alias("ReviewScore")]
    Task<CountyWorkflowView> ReviewScore(ScoreReviewCommand command);

    /// <summary>The 评分人 and 复核人 of the county's 考核组 scores, by indicator.</summary>
    [Alias("GetPanelMarks"), Orleans.Concurrency.AlwaysInterleave]
    Task<Dictionary<string, PanelMark>> GetPanelMarks();

    [Alias("GetWorkflow")]
    Task<CountyWorkflowView> GetWorkflow();

    /// <summary>A unit's kind in the round's pinned roster ("township", "department"); null before the round opens.</summary>
    [Alias("GetUnitKind"), Orleans.Concurrency.AlwaysInterleave]
    Task<string?> GetUnitKind(string unit);

    /// <summary>Entries <paramref name="from"/> … of the county's audit chain (at most <paramref name="count"/>).</summary>
    [Alias("ReadAudit")]
    Task<AuditPage> ReadAudit(int from, int count);
}

/// <summary>One tenant's assessment of one year. Key: <c>tenant/year</c>.</summary>
[Alias("assessment.IRoundGrain")]
public interface IRoundGrain : IGrainWithStringKey
{
    /// <summary>Creates or changes the draft: scheme, roster and deadlines. Only while the round is a draft.</summary>
    [Alias("Define")]
    Task<RoundInfo> Define(RoundDefinition definition, string actor);

    /// <summary>Opens the draft: its scheme and roster are pinned and every county starts collecting.</summary>
    [Alias("Open")]
    Task<RoundInfo> Open(string actor, int? expectedVersion = null);

    /// <summary>Closes the round for submissions (counties with an extension may still submit until it ends).</summary>
    [Alias("Close")]
    Task<RoundInfo> Close(string actor, int? expectedVersion = null);

    /// <remarks>Interleaves: a read of the round's small state never waits behind a cold ranking or a publication fan-out.</remarks>
    [Alias("GetInfo"), Orleans.Concurrency.AlwaysInterleave]
    Task<RoundInfo?> GetInfo();

    /// <summary>The catalog the round uses, with the roster's unit kinds; null before the round is defined.</summary>
    /// <remarks>Interleaves: counties and units ask while the round is telling them it opens.</remarks>
    [Alias("GetCatalog"), Orleans.Concurrency.AlwaysInterleave]
    Task<YearCatalog?> GetCatalog();

    /// <summary>The pinned scheme's text (YAML); null before the round is defined.</summary>
    [Alias("GetSchemeText"), Orleans.Concurrency.AlwaysInterleave]
    Task<string?> GetSchemeText();

    /// <summary>Completeness and timeliness over all counties, and what may be done next with the round.</summary>
    /// <remarks>Interleaves like <see cref="GetInfo"/>: it reads the counties' stored overview lines, not the round's cache.</remarks>
    [Alias("GetProgress"), Orleans.Concurrency.AlwaysInterleave]
    Task<RoundProgress> GetProgress();

    /// <summary>The progress and one line per county, from one read of every county's stored line (the overview page).</summary>
    /// <remarks>Interleaves: the overview never waits behind a cold ranking or a publication fan-out.</remarks>
    [Alias("GetBoard"), Orleans.Concurrency.AlwaysInterleave]
    Task<RoundBoard> GetBoard();

    /// <summary>What the reminders recorded (newest first), for the CLI and the dashboard.</summary>
    [Alias("GetNotifications"), Orleans.Concurrency.AlwaysInterleave]
    Task<RoundNotification[]> GetNotifications();

    /// <summary>A webhook post of the notification succeeded (posts run off the round's turn).</summary>
    [Alias("MarkDelivered")]
    Task MarkDelivered(int sequence);

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

    /// <summary>
    /// Pins another version of the tenant's catalog to an open or closed round (audited with the reason); refused once
    /// the round is published, when the pinned scheme does not fit it, or when it drops what the pinned version has.
    /// </summary>
    [Alias("RepinCatalog")]
    Task<RoundInfo> RepinCatalog(int version, string reason, string actor);

    /// <summary>Lets a county tied at the quota line keep the top grade, with a recorded reason, within the quota.</summary>
    [Alias("OverrideQuota")]
    Task<RankingResult> OverrideQuota(string county, string reason, string actor);

    /// <summary>
    /// Publishes a closed round whose counties are all reviewed: every county is frozen and its audit head anchored in
    /// the round (and so in the bulletin).
    /// </summary>
    [Alias("Publish")]
    Task<RoundInfo> Publish(string actor, int? expectedVersion = null);
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

    /// <summary>Adds a county to the roster (rounds already defined keep the roster they pinned).</summary>
    [Alias("AddCounty")]
    Task<TenantProfile> AddCounty(CountyInfo county);

    /// <summary>The tenant's own bulletin template for a format ("html", "markdown"), or null for the built-in one.</summary>
    [Alias("GetTemplate")]
    Task<string?> GetTemplate(string format);

    /// <summary>Stores (or, with null, removes) the tenant's template; the caller has checked it.</summary>
    [Alias("SetTemplate")]
    Task SetTemplate(string format, string? source);

    /// <summary>Adds a unit to a county of the roster.</summary>
    [Alias("AddUnit")]
    Task<TenantProfile> AddUnit(string county, UnitInfo unit);

    /// <summary>Sets how the tenant's bulletins read (the caller has checked the values).</summary>
    [Alias("SetBulletinProfile")]
    Task<TenantProfile> SetBulletinProfile(BulletinProfile profile);

    /// <summary>Replaces the distribution list (the caller has checked each recipient's credential).</summary>
    [Alias("SetDistribution")]
    Task<TenantProfile> SetDistribution(BulletinRecipient[] recipients);

    /// <summary>Sets (or, with null, removes) the webhook the tenant's notifications are posted to (checked by the caller).</summary>
    [Alias("SetWebhook")]
    Task<TenantProfile> SetWebhook(string? url);

    /// <summary>Notes that a bulletin of <paramref name="year"/> was issued (the years a leader's list looks in).</summary>
    [Alias("NoteBulletin")]
    Task NoteBulletin(int year);

    /// <summary>The years with an issued bulletin, newest first.</summary>
    [Alias("GetBulletinYears")]
    Task<int[]> GetBulletinYears();
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

    /// <summary>Revokes the credential; every silo refuses it from the next call on. Returns it, or null if unknown.</summary>
    [Alias("Revoke")]
    Task<Credential?> Revoke();
}
