using Assessment.Domain;
using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>The scheme an editor form starts from: a saved draft, the year's pinned scheme, or the platform's default.</summary>
public sealed record SchemeBasis(string Key, Scheme Scheme, SchemeDraft? Draft)
{
    public string Describe => Draft is { } d ? $"草稿第 {d.Number} 版（{d.SchemeId}）" : Key == "year" ? $"本年度固定的细则（{Scheme.Id}）" : $"默认细则（{Scheme.Id}）";
}

/// <summary>What saving an edited 细则 gave: the draft, or the problems by field (then nothing was stored).</summary>
public sealed record DraftSaved(SchemeDraft? Draft, IReadOnlyList<FormProblem> Problems);

/// <summary>
/// The 细则 editor's side of the application: where a form starts, saving it as a new draft after the loader's checks
/// against the year's catalog (a new version of the scheme each time), and pinning a draft to the year — defining a
/// round still in draft, or re-pinning an open one with a reason — by the same rules as the API.
/// </summary>
public sealed class SchemeDraftDesk(IClusterClient cluster, RoundDesk rounds, RoundCatalogs catalogs)
{
    private ISchemeDraftsGrain Drafts(Caller caller) => cluster.GetGrain<ISchemeDraftsGrain>(GrainKeys.Tenant(caller.Tenant));

    private static void RequireEditor(Caller caller, int year)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }
    }

    public Task<SchemeDraftSummary[]> ListAsync(Caller caller, int year)
    {
        RequireEditor(caller, year);
        return Drafts(caller).List();
    }

    /// <summary>
    /// The scheme a form starts from: <c>draft:N</c>, <c>year</c> (the pinned scheme) or <c>default</c>; without a key, the
    /// newest draft made for the year, else the pinned scheme, else the default.
    /// </summary>
    public async Task<SchemeBasis> BasisAsync(Caller caller, int year, string? key)
    {
        RequireEditor(caller, year);
        var catalog = (await catalogs.ForYearAsync(caller.Tenant, year, fresh: true)).Catalog;
        if (key is null && (await Drafts(caller).List()).FirstOrDefault(d => d.Year == year) is { } newest)
        {
            key = $"draft:{newest.Number}";
        }

        if (key is not null && key.StartsWith("draft:", StringComparison.Ordinal) && int.TryParse(key.AsSpan(6), out var number))
        {
            var draft = await Drafts(caller).Get(number) ?? throw new NotFoundException($"没有草稿第 {number} 版（只保留最近 {Grains.Grains.SchemeDraftsGrain.MaxDrafts} 版）。");
            return new SchemeBasis(key, Load(draft.Yaml, catalog), draft);
        }

        if (key is null or "year" && await rounds.Round(caller, year).GetSchemeText() is { } pinned)
        {
            return new SchemeBasis("year", Load(pinned, catalog), null);
        }

        return new SchemeBasis("default", Load(EmbeddedData.Read("default-scheme.yaml"), catalog), null);
    }

    /// <summary>
    /// Saves an edited form as a new draft: the scheme's next version, checked by the loader against the year's catalog;
    /// with problems nothing is stored and each is named on its field.
    /// </summary>
    public async Task<DraftSaved> SaveAsync(Caller caller, int year, SchemeForm form, string basisKey, int expectedLatest, string? note)
    {
        var basis = await BasisAsync(caller, year, basisKey);
        var catalog = (await catalogs.ForYearAsync(caller.Tenant, year, fresh: true)).Catalog;
        var drafts = await Drafts(caller).List();
        var pinned = await rounds.Round(caller, year).GetInfo();
        var code = basis.Scheme.Code;
        var version = new[] { basis.Scheme.Version, pinned?.SchemeId == null ? 0 : VersionOf(pinned.SchemeId, code) }
            .Concat(drafts.Select(d => VersionOf(d.SchemeId, code))).Max() + 1;

        var text = form.ToYaml(basis.Scheme, code, version);
        var problems = new List<FormProblem>(text.Problems);
        Scheme? scheme = null;
        try
        {
            RoundDesk.RequireScheme(text.Yaml);
            scheme = SchemeLoader.Load(text.Yaml, "评分细则", catalog);
        }
        catch (DataFileException ex)
        {
            problems.AddRange(ex.Problems.Select(p => SchemeForm.Problem(p, text.FieldOf)));
        }
        catch (ValidationFailedException ex)
        {
            problems.AddRange(ex.Violations.Select(v => new FormProblem(null, v.Description)));
        }

        if (problems.Count > 0 || scheme is null)
        {
            return new DraftSaved(null, problems);
        }

        // A save resent after its answer was lost: the newest draft is this very text at its own version.
        if (drafts.FirstOrDefault() is { } newest && newest.Year == year && await Drafts(caller).Get(newest.Number) is { } kept
            && VersionOf(newest.SchemeId, code) is var keptVersion and > 0
            && SchemeWriter.Write(scheme with { Version = keptVersion }) == kept.Yaml)
        {
            return new DraftSaved(kept, []);
        }

        var canonical = SchemeWriter.Write(scheme);
        var saved = await Drafts(caller).Save(year, scheme.Id, canonical, CountyDesk.Actor(caller), Clean(note), expectedLatest);
        return new DraftSaved(saved, []);
    }

    /// <summary>
    /// Pins a draft to the year: a round still in draft is defined again with it (its deadlines and catalog kept); an open
    /// or closed round is re-pinned with the reason, in its audit trail. A published year never changes.
    /// </summary>
    public async Task<RoundInfo> PinAsync(Caller caller, int year, int number, string? reason)
    {
        RequireEditor(caller, year);
        var draft = await Drafts(caller).Get(number) ?? throw new NotFoundException($"没有草稿第 {number} 版。");
        var info = await rounds.Round(caller, year).GetInfo()
            ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{year} 年度考核尚未定义：请先在“评分细则”页定义本年度考核，再固定草稿。");
        return info.Phase == RoundPhase.Draft
            ? await rounds.DefineAsync(caller, year, draft.Yaml, info.SubmissionDeadline, info.ReviewDeadline, info.CatalogVersion)
            : await rounds.RepinAsync(caller, year, draft.Yaml, reason ?? "");
    }

    private static Scheme Load(string yaml, Domain.Catalog.IndicatorCatalog catalog)
    {
        try
        {
            return SchemeLoader.Load(yaml, "评分细则", catalog);
        }
        catch (DataFileException ex)
        {
            throw new PreconditionException("SCHEME_NOT_FOR_CATALOG", "该细则不适用于本年度的指标目录：" + (ex.Problems.Count > 0 ? ex.Problems[0] : ""));
        }
    }

    private static int VersionOf(string schemeId, string code)
    {
        var at = schemeId.LastIndexOf('@');
        return at > 0 && schemeId[..at] == code && int.TryParse(schemeId.AsSpan(at + 1), out var v) ? v : 0;
    }

    private static string? Clean(string? note)
    {
        var trimmed = note?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (Domain.Keys.FreeText.Problem(trimmed, 200) is { } problem)
        {
            throw new ValidationFailedException([new FieldError("note", "说明" + problem)]);
        }

        return trimmed;
    }
}
