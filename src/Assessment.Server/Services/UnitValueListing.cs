using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Grpc.Core;

namespace Assessment.Server.Services;

/// <summary>
/// The figures a prefecture table starts from: every unit of the roster (and each county's own figures) with the values
/// it has for the year, streamed in roster order, a few unit reads at a time so that a national roster never sits in
/// memory whole and never floods the cluster.
/// </summary>
public sealed class UnitValueListing(IClusterClient cluster)
{
    /// <summary>Unit grains read at the same time.</summary>
    public const int Parallelism = 16;

    public async Task ListAsync(Caller caller, ListUnitValuesRequest request, IServerStreamWriter<UnitValues> answers, CancellationToken ct)
    {
        RequestChecks.Require(RequestChecks.Year(request.Year), request.County.Length == 0 ? null : RequestChecks.County(request.County));
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
        var counties = profile?.Counties ?? [];
        if (request.County.Length > 0)
        {
            counties = Array.FindAll(counties, c => c.Id == request.County);
            if (counties.Length == 0)
            {
                throw new NotFoundException($"名单中没有县（区）“{request.County}”。");
            }
        }

        var targets = counties.SelectMany(c => c.Units.Select(u => (County: c, UnitId: u.Id, UnitName: u.Name))
            .Prepend((County: c, UnitId: GrainKeys.CountySelf, UnitName: "本级")));
        foreach (var batch in targets.Chunk(Parallelism))
        {
            var reads = batch.Select(t => cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(caller.Tenant, t.County.Id, t.UnitId, request.Year)).GetSnapshot()).ToArray();
            await Task.WhenAll(reads);
            for (var i = 0; i < batch.Length; i++)
            {
                var (county, unitId, unitName) = batch[i];
                var message = new UnitValues
                {
                    County = county.Id,
                    CountyName = county.Name,
                    Unit = unitId == GrainKeys.CountySelf ? ValueImport.CountySelf : unitId,
                    UnitName = unitName,
                };
                message.Values.AddRange(reads[i].Result.Values.Where(v => v.Value.HasValue)
                    .Select(v => new IndicatorValue { Code = v.Code, Value = v.Value!.Value, Note = v.Note ?? "" }));
                await answers.WriteAsync(message, ct);
            }
        }
    }
}
