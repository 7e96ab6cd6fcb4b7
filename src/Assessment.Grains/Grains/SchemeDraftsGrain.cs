using Assessment.Domain;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

[GenerateSerializer, Alias("assessment.SchemeDraftsState")]
public sealed class SchemeDraftsState
{
    /// <summary>The drafts kept, oldest first.</summary>
    [Id(0)] public List<SchemeDraft> Drafts { get; set; } = [];

    /// <summary>The number of the last draft saved (numbers are never reused, also after old drafts are let go).</summary>
    [Id(1)] public int Last { get; set; }
}

/// <summary>
/// A tenant's 细则 drafts made in the workbench editor. A draft is checked by whoever saves it (the loader against the
/// year's catalog) and is only ever a proposal: a round takes a scheme only when it is pinned, which stores the text in
/// the round. The newest <see cref="MaxDrafts"/> are kept.
/// </summary>
public sealed class SchemeDraftsGrain(
    [PersistentState("scheme-drafts", StorageNames.Default)] IPersistentState<SchemeDraftsState> state,
    TimeProvider clock,
    ILogger<SchemeDraftsGrain> logger) : Grain, ISchemeDraftsGrain
{
    /// <summary>Most drafts kept per tenant.</summary>
    public const int MaxDrafts = 20;

    /// <summary>Largest draft text, in characters (the scheme limit of every way in).</summary>
    public const int MaxTextLength = 200 * 1024;

    // Readers interleave with a save: a draft whose write has not succeeded is never handed out.
    private SchemeDraft? _pending;

    private IEnumerable<SchemeDraft> Committed => _pending is null ? state.State.Drafts : state.State.Drafts.Where(d => d != _pending);

    public Task<SchemeDraft?> Get(int number) => Task.FromResult(Committed.FirstOrDefault(d => d.Number == number));

    public Task<SchemeDraftSummary[]> List() => Task.FromResult(Committed.Reverse()
        .Select(d => new SchemeDraftSummary(d.Number, d.SchemeId, d.Year, d.SavedAt, d.Actor, d.Note)).ToArray());

    public async Task<SchemeDraft> Save(int year, string schemeId, string yaml, string actor, string? note, int expectedLatest)
    {
        var latest = Committed.LastOrDefault();
        if (latest is not null && latest.SchemeId == schemeId && string.Equals(latest.Yaml, yaml, StringComparison.Ordinal))
        {
            return latest;
        }

        if ((latest?.Number ?? 0) != expectedLatest)
        {
            throw new ConflictException(latest is null
                ? "草稿已不存在：请重新打开编辑页。"
                : $"打开编辑页后，{latest.Actor} 已保存草稿第 {latest.Number} 版（{latest.SchemeId}）：请先查看最新草稿，再修改保存。");
        }

        if (Committed.FirstOrDefault(d => d.SchemeId == schemeId) is { } taken)
        {
            throw new ConflictException($"草稿第 {taken.Number} 版已是 {schemeId}，内容不同：请提高细则版本号后再保存。");
        }

        if (yaml.Length > MaxTextLength)
        {
            throw new ValidationFailedException([new FieldError("scheme_yaml", "须为评分细则文件内容（YAML，不超过 200 KiB）")]);
        }

        var saved = new SchemeDraft(state.State.Last + 1, schemeId, yaml, year, clock.GetUtcNow(), actor, string.IsNullOrWhiteSpace(note) ? null : note.Trim());
        _pending = saved;
        state.State.Drafts.Add(saved);
        state.State.Drafts.RemoveRange(0, Math.Max(0, state.State.Drafts.Count - MaxDrafts));
        state.State.Last = saved.Number;
        try
        {
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }
        finally
        {
            _pending = null; // the stored list, as written or as restored
        }

        logger.LogInformation("Tenant {Tenant} saved scheme draft {Number} ({Scheme})", this.GetPrimaryKeyString(), saved.Number, schemeId);
        return saved;
    }
}
