using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Grpc.Core;

namespace Assessment.Server.Services;

/// <summary>
/// An assessor's batch import (全市汇总表): each row is one unit's submission, stored or refused on its own exactly as
/// the unit's own submission would be, a few rows at a time, answered as they finish.
/// </summary>
public sealed class ValueImport(IClusterClient cluster, ILogger<ValueImport> logger)
{
    /// <summary>Most rows one import call may carry (a prefecture has at most a few thousand units).</summary>
    public const int MaxRows = 20_000;

    /// <summary>Rows stored at the same time: enough to keep storage busy, few enough not to crowd out other tenants.</summary>
    public const int Parallelism = 8;

    /// <summary>The unit id that names a county's own figures (县本级) in an import row.</summary>
    public const string CountySelf = "self";

    public async Task RunAsync(Caller caller, IAsyncStreamReader<ImportRow> rows, IServerStreamWriter<ImportRowResult> answers, ServerCallContext context)
    {
        var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile();
        var actor = $"{caller.Name}（{Domain.Workflow.AuditWords.Role(caller.Role.ToString())}，批量导入）";
        var write = new SemaphoreSlim(1, 1);
        var count = 0;
        var stored = 0;
        var refused = 0;
        await Parallel.ForEachAsync(Read(rows, context.CancellationToken), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = context.CancellationToken },
            async (row, ct) =>
            {
                if (Interlocked.Increment(ref count) > MaxRows)
                {
                    throw new ResourceExhaustedException($"一次导入至多 {MaxRows} 行；请分批导入。");
                }

                var answer = await ImportAsync(caller, profile, actor, row);
                Interlocked.Increment(ref answer.Ok ? ref stored : ref refused);
                await write.WaitAsync(ct);
                try
                {
                    await answers.WriteAsync(answer, ct);
                }
                finally
                {
                    write.Release();
                }
            });
        logger.LogInformation("Import for {Tenant}: {Rows} rows, {Stored} stored, {Refused} refused", caller.Tenant, count, stored, refused);
    }

    private static async IAsyncEnumerable<ImportRow> Read(IAsyncStreamReader<ImportRow> rows, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (await rows.MoveNext(ct))
        {
            yield return rows.Current;
        }
    }

    private async Task<ImportRowResult> ImportAsync(Caller caller, TenantProfile? profile, string actor, ImportRow row)
    {
        var answer = new ImportRowResult { Row = row.Row };
        try
        {
            var (county, unit) = Target(profile, row);
            var submissionId = Guid.Parse(row.SubmissionId);
            var receipt = await cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(caller.Tenant, county, unit, row.Year)).Submit(new UnitSubmission(
                submissionId,
                row.Values.Select(v => new ValueEntry(v.Code, v.HasValue ? v.Value : null, string.IsNullOrEmpty(v.Note) ? null : v.Note)).ToArray(),
                row.DryRun,
                Actor: actor,
                KeepUnchangedNotes: true));
            answer.Ok = receipt.Rejected == 0;
            answer.Replayed = receipt.Replayed;
            answer.Version = receipt.Version;
            answer.Changed = receipt.Accepted + receipt.Updated + receipt.Cleared;
            if (!answer.Ok)
            {
                // Only a dry run answers with rejected values instead of failing.
                answer.Status = "INVALID_ARGUMENT";
                answer.Message = $"{receipt.Rejected} 个数值无效，该行不会保存。";
                answer.Problems.AddRange(receipt.Outcomes.Where(o => o.Outcome == Grains.Abstractions.ValueOutcome.Rejected)
                    .Select(o => new ImportProblem { Code = o.Code, Message = o.Reason ?? "" }));
            }
        }
        catch (AssessmentException ex)
        {
            answer.Ok = false;
            (answer.Status, answer.Message) = ex switch
            {
                ValidationFailedException => ("INVALID_ARGUMENT", "该行有无效数值，未保存。"),
                NotFoundException => ("NOT_FOUND", ex.Message),
                PreconditionException => ("FAILED_PRECONDITION", ex.Message),
                ConflictException => ("ALREADY_EXISTS", ex.Message),
                PermissionDeniedException => ("PERMISSION_DENIED", ex.Message),
                UnavailableException => ("UNAVAILABLE", ex.Message),
                ResourceExhaustedException => ("RESOURCE_EXHAUSTED", ex.Message),
                _ => ("FAILED_PRECONDITION", ex.Message),
            };
            if (ex is ValidationFailedException invalid)
            {
                answer.Problems.AddRange(invalid.Violations.Take(ErrorInterceptor.MaxViolations).Select(v => new ImportProblem { Code = CodeOf(row, v.Field), Message = v.Description }));
            }
        }
        catch (Exception ex) when (ClusterFaults.IsTransient(ex))
        {
            answer.Ok = false;
            answer.Status = "UNAVAILABLE";
            answer.Message = "服务暂时不可用，该行未保存；请稍后用同一文件重试（已保存的行不会重复保存）。";
        }

        return answer;
    }

    /// <summary>
    /// The unit grain a row names, by id or by name as the roster has them (assessors know units by name), after its
    /// fields are checked and the tenant's roster has it.
    /// </summary>
    private static (string County, string Unit) Target(TenantProfile? profile, ImportRow row)
    {
        RequestChecks.Require(
            RequestChecks.Year(row.Year),
            row.County.Length is > 0 and <= MaxNameLength ? null : new FieldError("county", $"须为县（区）标识或名称（1–{MaxNameLength} 个字符）"),
            row.Unit.Length is > 0 and <= MaxNameLength ? null : new FieldError("unit", $"须为单位标识、名称或 self（县本级）（1–{MaxNameLength} 个字符）"),
            Guid.TryParse(row.SubmissionId, out var id) && id != Guid.Empty ? null : new FieldError("submission_id", "须为 UUID（重试导入时使用同一个 UUID）"));
        var county = profile?.Counties.FirstOrDefault(c => c.Id == row.County) ?? profile?.Counties.FirstOrDefault(c => c.Name == row.County)
            ?? throw new NotFoundException($"名单中没有县（区）“{row.County}”。");
        if (row.Unit == CountySelf)
        {
            return (county.Id, GrainKeys.CountySelf);
        }

        return (Array.Find(county.Units, u => u.Id == row.Unit) ?? Array.Find(county.Units, u => u.Name == row.Unit)) is { } unit
            ? (county.Id, unit.Id)
            : throw new NotFoundException($"{county.Name}的名单中没有单位“{row.Unit}”。");
    }

    private const int MaxNameLength = 64;

    /// <summary>The indicator a violation of <c>values[i]</c> is about, else the field itself.</summary>
    private static string CodeOf(ImportRow row, string field)
    {
        if (field.StartsWith("values[", StringComparison.Ordinal) && field.EndsWith(']')
            && int.TryParse(field.AsSpan(7, field.Length - 8), out var i) && i >= 0 && i < row.Values.Count)
        {
            return row.Values[i].Code;
        }

        return field;
    }
}
