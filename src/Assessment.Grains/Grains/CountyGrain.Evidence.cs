using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

/// <summary>
/// 佐证材料: the county decides whether a unit may change its files now (the rule of its figures: not after 上报 until
/// 退回, not after the deadline) and keeps each unit's quota, and every attachment and removal enters its audit chain
/// with the file's hash. The files themselves, and the listing, live beside the state (issue 32).
/// </summary>
public sealed partial class CountyGrain
{
    public async Task<AuditAnchor> AttachEvidence(EvidenceAttachment a)
    {
        if (S.RecentRequests.Contains(a.FileId))
        {
            await DurableAsync();
            return Head();
        }

        var tally = RequireEvidenceRoom(a.Unit, a.Size, a.MaxFilesPerUnit, a.MaxBytesPerUnit);
        (S.Evidence ??= new(StringComparer.Ordinal))[a.Unit] = new EvidenceTally(tally.Files + 1, tally.Bytes + a.Size);
        RememberRequest(a.FileId);
        Audit(new AuditEvent(clock.GetUtcNow(), a.Actor, "evidence_add", a.FileId.ToString(), null, Describe(a.Indicator, a.FileName, a.Size, a.Sha256), null));
        await PersistAsync();
        return Head();
    }

    public Task AdmitEvidence(string unit, long size, int maxFilesPerUnit, long maxBytesPerUnit)
    {
        RequireEvidenceRoom(unit, size, maxFilesPerUnit, maxBytesPerUnit);
        return Task.CompletedTask;
    }

    /// <summary>The unit may change its files now, and one more of this size fits its quota; its tally as it stands.</summary>
    private EvidenceTally RequireEvidenceRoom(string unit, long size, int maxFiles, long maxBytes)
    {
        RequireEvidenceChange(unit);
        var tally = S.Evidence?.GetValueOrDefault(unit) ?? new EvidenceTally(0, 0);
        if (tally.Files >= maxFiles)
        {
            throw new ResourceExhaustedException($"本单位已有 {tally.Files} 个佐证材料，已达上限（{maxFiles} 个）：请合并文件或撤下不需要的文件。");
        }

        if (tally.Bytes + size > maxBytes)
        {
            throw new ResourceExhaustedException($"本单位的佐证材料将超过 {Megabytes(maxBytes)} 的容量上限（已用 {Megabytes(tally.Bytes)}）：请压缩文件或撤下不需要的文件。");
        }

        return tally;
    }

    public async Task<AuditAnchor> RemoveEvidence(EvidenceRemoval r)
    {
        var request = RemovalRequest(r.FileId);
        if (S.RecentRequests.Contains(request))
        {
            await DurableAsync();
            return Head();
        }

        RequireReason(r.Reason);
        RequireEvidenceChange(r.Unit);
        if (S.Evidence?.GetValueOrDefault(r.Unit) is { } tally)
        {
            S.Evidence[r.Unit] = new EvidenceTally(Math.Max(0, tally.Files - 1), Math.Max(0, tally.Bytes - r.Size));
        }

        RememberRequest(request);
        Audit(new AuditEvent(clock.GetUtcNow(), r.Actor, "evidence_remove", r.FileId.ToString(), Describe(r.Indicator, r.FileName, r.Size, r.Sha256), null, r.Reason));
        await PersistAsync();
        return Head();
    }

    public async Task<CountyWorkflowView> ReviewMaterials(MaterialsReviewCommand command)
    {
        if (await AlreadyAppliedAsync(command.Command))
        {
            return View();
        }

        var reason = command.Command.Reason;
        if (command.Finding == MaterialsFinding.Complete)
        {
            if (WorkflowText.OptionalReason(reason) is { } problem)
            {
                throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
            }
        }
        else
        {
            RequireReason(reason);
        }

        if (!Enum.IsDefined(command.Finding))
        {
            throw new ValidationFailedException([new FieldError("finding", "须为 材料齐全、材料不全 或 不予认可")]);
        }

        if (!_catalog.TryGet(command.Indicator, out var indicator) || indicator.Retired)
        {
            throw new ValidationFailedException([new FieldError("indicator", "须为本年度指标目录中的指标")]);
        }

        Require(CountyAction.Adjust, command.Command);
        var before = S.Reviews?.GetValueOrDefault(command.Indicator);
        (S.Reviews ??= new(StringComparer.Ordinal))[command.Indicator] =
            new MaterialsReview(command.Finding, string.IsNullOrWhiteSpace(reason) ? null : reason, command.Command.Actor, clock.GetUtcNow());
        S.Version++;
        Remember(command.Command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Command.Actor, "materials_review", command.Indicator,
            before is null ? null : Finding(before.Finding), Finding(command.Finding), reason));
        await PersistAsync();
        return View();
    }

    public Task<Dictionary<string, MaterialsReview>> GetMaterialsReviews() =>
        Task.FromResult(S.Reviews is null ? new Dictionary<string, MaterialsReview>(StringComparer.Ordinal) : new Dictionary<string, MaterialsReview>(S.Reviews, StringComparer.Ordinal));

    /// <summary>A finding in the words of a 查阅资料 record.</summary>
    public static string Finding(MaterialsFinding finding) => finding switch
    {
        MaterialsFinding.Complete => "材料齐全",
        MaterialsFinding.Incomplete => "材料不全",
        _ => "不予认可",
    };

    /// <summary>A unit changes its files when it may change its figures; the assessors' entry under the assessors' rule.</summary>
    private void RequireEvidenceChange(string unit)
    {
        RequireNotRestoring();
        var action = unit == GrainKeys.AssessorEntry ? CountyAction.AssessorEntry : CountyAction.UnitSubmit;
        var refused = CountyWorkflow.Check(action, Context());
        if (refused is null && action == CountyAction.UnitSubmit && _submitting)
        {
            refused = new Refusal(LockReasons.CountySubmitted, "本县（区）正在上报，单位不能再修改佐证材料。");
        }

        if (refused is not null)
        {
            throw new PreconditionException(refused.Reason, refused.Message.Replace("数据", "佐证材料", StringComparison.Ordinal));
        }

        if (action == CountyAction.UnitSubmit && unit != GrainKeys.CountySelf && Array.IndexOf(S.Units, unit) < 0)
        {
            throw new PreconditionException(LockReasons.UnitNotInRoster, "该单位不在本年度考核名单中。");
        }
    }

    private void RememberRequest(Guid id)
    {
        S.RecentRequests.Add(id);
        if (S.RecentRequests.Count > MaxRecentRequests)
        {
            S.RecentRequests.RemoveRange(0, S.RecentRequests.Count - MaxRecentRequests);
        }
    }

    /// <summary>The request id of a file's removal: one per file, unlike its attachment's (the file id itself).</summary>
    private static Guid RemovalRequest(Guid file) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes("evidence-remove:" + file.ToString()))[..16]);

    /// <summary>What the audit entry says of a file: the figure, the name, the size and the hash that identifies the bytes.</summary>
    private static string Describe(string indicator, string name, long size, string sha256) =>
        string.Create(CultureInfo.InvariantCulture, $"{indicator}：{name}（{size} 字节，SHA-256 {sha256}）");

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MB");
}
