using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>
/// Leaders read a round's results (ranking, county scores, the bulletin) once they are published; before that only
/// when the tenant asks them for comments (征求意见, <see cref="BulletinProfile.LeadersSeeDrafts"/>). One rule for the
/// gRPC services and the web pages. Other roles are not affected.
/// </summary>
public static class LeaderAccess
{
    public const string NotPublished = "RESULTS_NOT_PUBLISHED";

    public static async Task RequireResultsAsync(IClusterClient cluster, Caller caller, RoundInfo info)
    {
        if (caller.Role != Role.Leader || info.Published)
        {
            return;
        }

        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
        if ((profile?.Bulletin ?? BulletinProfile.Default).LeadersSeeDrafts)
        {
            return;
        }

        throw new PreconditionException(NotPublished, $"{info.Year} 年度考核结果尚未发布：发布后可查看排名与通报（考核办可开放征求意见稿）。");
    }
}
