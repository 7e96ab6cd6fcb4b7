using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// The round side of the application, for the gRPC service and the web workbench alike: the overview, the ranking as
/// the caller may see it, and the round transitions (开启, 截止, 发布 — publication issues the bulletin at once).
/// </summary>
public sealed class RoundDesk(IClusterClient cluster, BulletinComposer bulletins, ILogger<RoundDesk> logger)
{
    public IRoundGrain Round(Caller caller, int year) => cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, year));

    /// <summary>The round, for a transition only the assessor makes (whoever asks and however).</summary>
    private IRoundGrain Assessor(Caller caller, int year)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        return caller.Role == Role.Assessor ? Round(caller, year) : throw new PermissionDeniedException();
    }

    /// <summary>Whether a round, read again for a write in doubt, shows it opened, closed or published.</summary>
    public static bool ShowsOpened(RoundInfo info) => info.Phase >= RoundPhase.Open;

    public static bool ShowsClosed(RoundInfo info) => info.Phase >= RoundPhase.Closed;

    public static bool ShowsPublished(RoundInfo info) => info.Phase == RoundPhase.Published;

    /// <summary>The round of a year, or FAILED_PRECONDITION ROUND_NOT_OPEN in Chinese.</summary>
    public async Task<RoundInfo> InfoAsync(Caller caller, int year)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        return await Round(caller, year).GetInfo() ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{year} 年度考核尚未开启。");
    }

    public async Task<(RoundInfo Info, RoundBoard Board, RoundNotification[] Notifications)> BoardAsync(Caller caller, int year)
    {
        var info = await InfoAsync(caller, year);
        var round = Round(caller, year);
        var (board, notifications) = (round.GetBoard(), round.GetNotifications());
        return (info, await board, await notifications);
    }

    /// <summary>The ranking; a leader sees it only once published (or when the tenant asks leaders for comments).</summary>
    public async Task<RankingResult> RankingAsync(Caller caller, int year)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        if (caller.Role == Role.Leader && await Round(caller, year).GetInfo() is { } info)
        {
            await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        }

        return await Round(caller, year).GetRanking();
    }

    /// <summary>Defines (or, in draft, redefines) the round: the tenant's roster, a scheme (the default when empty), deadlines.</summary>
    public async Task<RoundInfo> DefineAsync(Caller caller, int year, string? schemeYaml, DateTimeOffset submissionDeadline, DateTimeOffset? reviewDeadline,
        int? catalogVersion = null)
    {
        var round = Assessor(caller, year);
        var yaml = string.IsNullOrWhiteSpace(schemeYaml) ? Domain.EmbeddedData.Read("default-scheme.yaml") : schemeYaml;
        RequireScheme(yaml);
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile()
            ?? throw new NotFoundException("租户不存在。");
        return await round.Define(new RoundDefinition(yaml, profile.Counties, submissionDeadline, reviewDeadline, catalogVersion), CountyDesk.Actor(caller));
    }

    /// <summary>What a draft scheme would do to the round's ranking (nothing is changed): assessors and tenant admins.</summary>
    public Task<SimulationResult> SimulateAsync(Caller caller, int year, string schemeYaml)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }

        RequireScheme(schemeYaml);
        return Round(caller, year).Simulate(schemeYaml);
    }

    /// <summary>A scheme file within the size every scheme must keep (the parser then checks depth and nodes).</summary>
    public static void RequireScheme(string? yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml) || System.Text.Encoding.UTF8.GetByteCount(yaml) > RequestChecks.MaxSchemeBytes)
        {
            throw new ValidationFailedException([new FieldError("scheme_yaml", "须为评分细则文件内容（YAML，不超过 200 KiB）")]);
        }
    }

    /// <summary>Re-pins the scheme of an open round, with a reason in the audit trail: assessors and tenant admins.</summary>
    /// <summary>Re-pins the tenant's catalog of an open round, with a reason in the audit trail: assessors and tenant admins.</summary>
    public Task<RoundInfo> RepinCatalogAsync(Caller caller, int year, int version, string reason)
    {
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }

        RequestChecks.Require(RequestChecks.Year(year), version < 1 ? new FieldError("catalog_version", "须为指标目录的版本号") : null);
        return Round(caller, year).RepinCatalog(version, reason, CountyDesk.Actor(caller));
    }

    public Task<RoundInfo> RepinAsync(Caller caller, int year, string schemeYaml, string reason)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin))
        {
            throw new PermissionDeniedException();
        }

        RequireScheme(schemeYaml);
        return Round(caller, year).RepinScheme(schemeYaml, reason, CountyDesk.Actor(caller));
    }

    /// <summary>Lifts a county out of the grade quota's tie-break, with a reason: the assessor only.</summary>
    public Task<RankingResult> OverrideQuotaAsync(Caller caller, int year, string county, string reason)
    {
        RequestChecks.Require(RequestChecks.Year(year), RequestChecks.County(county));
        return Assessor(caller, year).OverrideQuota(county, reason, CountyDesk.Actor(caller));
    }

    public Task<RoundInfo> OpenAsync(Caller caller, int year, int? expected) => Assessor(caller, year).Open(CountyDesk.Actor(caller), expected);

    public Task<RoundInfo> CloseAsync(Caller caller, int year, int? expected) => Assessor(caller, year).Close(CountyDesk.Actor(caller), expected);

    public async Task<RoundInfo> PublishAsync(Caller caller, int year, int? expected)
    {
        var info = await Assessor(caller, year).Publish(CountyDesk.Actor(caller), expected);
        try
        {
            // The bulletin is issued now: its number and date belong to the publication, not to the first reader.
            await bulletins.IssueAsync(caller.Tenant, year);
        }
        catch (AssessmentException ex)
        {
            // The publication stands; the bulletin is issued on its first read instead (a tenant template may be broken).
            logger.LogWarning("Bulletin of {Year} not issued at publication: {Reason}", year, ex.Message);
        }

        return info;
    }
}
