using System.Text.RegularExpressions;
using Assessment.Domain.Catalog;
using Assessment.Domain.Evidence;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Services;
using Assessment.Workbooks;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Evidence;

/// <summary>The header of an upload as sent.</summary>
public sealed record UploadHeader(string UploadId, int Year, string Indicator, string FileName, long Size, string Sha256);

/// <summary>Where an upload stands: the bytes stored, and the file once it is attached.</summary>
public sealed record UploadState(EvidenceUpload? Upload, long Stored, long Size, EvidenceRow? File);

/// <summary>
/// 佐证材料 for the gRPC service and the workbench alike: who may add, read and remove which files, the upload from
/// header to attached file (checked by content once the last byte is stored), and the county grain's rule and quota.
/// </summary>
public sealed partial class EvidenceDesk(IEvidenceStore store, IClusterClient cluster, RoundCatalogs catalogs, IOptions<EvidenceOptions> options) : IDisposable
{
    private readonly EvidenceOptions _limits = options.Value;
    private readonly SemaphoreSlim _checks = new(options.Value.MaxConcurrentChecks);

    public EvidenceOptions Limits => _limits;

    public void Dispose() => _checks.Dispose();

    /// <summary>Starts or resumes an upload, or answers the file it already became.</summary>
    public async Task<UploadState> StartAsync(Caller caller, UploadHeader header, CancellationToken ct)
    {
        var unit = RequireUploader(caller);
        header = header with { Sha256 = header.Sha256?.ToLowerInvariant() ?? "" };
        var (name, problems) = Check(header);
        RequestChecks.Require([.. problems]);
        var id = Guid.Parse(header.UploadId);
        var indicator = await RequireIndicatorAsync(caller, unit, header.Year, header.Indicator);

        if (await store.GetFileAsync(caller.Tenant, id, ct) is { } file)
        {
            var kind = EvidenceKinds.FromId(file.Kind);
            if (file.Year != header.Year || file.County != caller.County || file.Unit != unit || file.Indicator != indicator.Code
                || file.Sha256 != header.Sha256 || file.Size != header.Size
                || file.FileName != name && (kind is null || file.FileName != EvidenceNames.ForKind(name!, kind.Value).Name))
            {
                throw UsedForAnother();
            }

            return new UploadState(null, file.Size, file.Size, file.Attached ? file : await AttachAsync(caller, file));
        }

        var upload = new EvidenceUpload(caller.Tenant, id, header.Year, caller.County!, unit, indicator.Code, name!, header.Size, header.Sha256, 0,
            CountyDesk.Actor(caller));
        if (await store.GetUploadAsync(caller.Tenant, id, ct) is not { } existing)
        {
            // Refused before any byte is stored: the county's rule (not after 上报) and the unit's quota, then the tenant's.
            await County(caller, header.Year).AdmitEvidence(unit, header.Size, _limits.MaxFilesPerUnit, _limits.MaxBytesPerUnit);
            if (await store.TenantBytesAsync(caller.Tenant, ct) + header.Size > _limits.MaxBytesPerTenant)
            {
                throw new ResourceExhaustedException($"本市佐证材料已达 {Mb(_limits.MaxBytesPerTenant)} 的存储上限，请联系平台管理员。");
            }

            existing = await store.BeginUploadAsync(upload, ct);
        }

        if (existing with { Stored = 0, Actor = upload.Actor } != upload)
        {
            throw UsedForAnother();
        }

        // Every byte stored but the file never checked (the stream that stored the last byte ended first): check it now.
        return existing.Stored == existing.Size ? await FinishOrWaitAsync(caller, existing, ct) : new UploadState(existing, existing.Stored, existing.Size, null);
    }

    /// <summary>Stores one chunk at its offset (a repeat of stored bytes is skipped); the file is checked and attached after its last byte.</summary>
    public async Task<UploadState> AppendAsync(Caller caller, EvidenceUpload upload, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        // At least 64 KiB a chunk but the last: a file is never stored as millions of tiny rows.
        RequestChecks.Require(
            data.Length is 0 or > EvidenceOptions.ChunkBytes || data.Length < EvidenceOptions.MinChunkBytes && offset + data.Length != upload.Size
                ? new FieldError("chunk.data", $"每块须为 {EvidenceOptions.MinChunkBytes / 1024} KiB 至 {EvidenceOptions.ChunkBytes / 1024} KiB（最后一块可以更小）")
                : null,
            offset < 0 || offset + data.Length > upload.Size ? new FieldError("chunk.offset", $"这一块超出了文件大小（{upload.Size} 字节）") : null);
        var (outcome, stored) = await store.AppendAsync(caller.Tenant, upload.UploadId, offset, data, ct);
        switch (outcome)
        {
            case ChunkOutcome.OffsetMismatch:
                throw new PreconditionException("OFFSET_MISMATCH", $"已保存 {stored} 字节，下一块应从第 {stored} 字节开始（收到的是第 {offset} 字节）。");
            case ChunkOutcome.Gone:
            case ChunkOutcome.Repeated or ChunkOutcome.Stored when stored == upload.Size:
                // The last byte is stored (by this stream or another): the file is checked once, by whoever takes the lease.
                return await FinishOrWaitAsync(caller, upload with { Stored = stored }, ct);
            default:
                return new UploadState(upload with { Stored = stored }, stored, upload.Size, null);
        }
    }

    /// <summary>
    /// Checks and attaches a fully stored upload under its lease (one checker at a time, across replicas), or waits for
    /// the one that holds it; a checker that went away (its client's connection, its pod) leaves the lease to the next
    /// caller. The check runs on the server's time, not the caller's deadline: once begun it completes.
    /// </summary>
    private async Task<UploadState> FinishOrWaitAsync(Caller caller, EvidenceUpload upload, CancellationToken ct)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromMinutes(2); waited += TimeSpan.FromMilliseconds(200))
        {
            if (await store.GetFileAsync(caller.Tenant, upload.UploadId, ct) is { } file)
            {
                return new UploadState(null, file.Size, file.Size, file.Attached ? file : await AttachAsync(caller, file));
            }

            await using (var lease = await store.TryLeaseAsync(caller.Tenant, upload.UploadId, ct))
            {
                if (lease is not null)
                {
                    var current = await store.GetUploadAsync(caller.Tenant, upload.UploadId, ct);
                    if (current is null)
                    {
                        if (await store.GetFileAsync(caller.Tenant, upload.UploadId, ct) is { } done)
                        {
                            return new UploadState(null, done.Size, done.Size, done.Attached ? done : await AttachAsync(caller, done));
                        }

                        throw new PreconditionException("UPLOAD_DISCARDED", "该上传已作废（同一上传的另一次传送未通过文件检查）：请核对文件后重新上传。");
                    }

                    if (current.Stored != current.Size)
                    {
                        return new UploadState(current, current.Stored, current.Size, null);
                    }

                    using var finishing = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    var row = await FinishAsync(caller, current, finishing.Token);
                    return new UploadState(null, row.Size, row.Size, row);
                }
            }

            await Task.Delay(200, ct);
        }

        throw new UnavailableException("文件仍在检查中，请稍后用同一 upload_id 重试或查询。");
    }

    /// <summary>
    /// A whole file from a web form (which the server keeps on disk while the request lasts): hashed, then stored chunk
    /// by chunk exactly like a gRPC upload. The id names the upload, so the same form sent twice stores one file.
    /// </summary>
    public async Task<EvidenceRow> AddFileAsync(Caller caller, int year, string indicator, string name, long length, Func<Stream> open, Guid uploadId, CancellationToken ct)
    {
        string sha;
        await using (var hashing = open())
        {
            sha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(hashing, ct));
        }

        var state = await StartAsync(caller, new UploadHeader(uploadId.ToString(), year, indicator, name, length, sha), ct);
        if (state.File is { } already)
        {
            return already;
        }

        var buffer = new byte[EvidenceOptions.ChunkBytes];
        await using var stream = open();
        stream.Seek(state.Stored, SeekOrigin.Begin);
        while (state.File is null)
        {
            var read = await stream.ReadAtLeastAsync(buffer, (int)Math.Min(buffer.Length, length - state.Stored), throwOnEndOfStream: true, ct);
            state = await AppendAsync(caller, state.Upload!, state.Stored, buffer.AsMemory(0, read), ct);
        }

        return state.File;
    }

    /// <summary>Where an upload stands (to resume it), or the file it became.</summary>
    public async Task<UploadState> StatusAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var unit = RequireUploader(caller);
        if (await store.GetFileAsync(caller.Tenant, id, ct) is { } file && file.County == caller.County && file.Unit == unit)
        {
            return new UploadState(null, file.Size, file.Size, file.Attached ? file : null);
        }

        if (await store.GetUploadAsync(caller.Tenant, id, ct) is { } upload && upload.County == caller.County && upload.Unit == unit)
        {
            return new UploadState(upload, upload.Stored, upload.Size, null);
        }

        throw new NotFoundException("没有该上传（可能尚未开始，或因文件未通过检查已作废）。");
    }

    /// <summary>A page of the files the caller may read in a county-year.</summary>
    public async Task<(IReadOnlyList<EvidenceRow> Files, int? Next)> ListAsync(Caller caller, int year, string? county, string? indicator, bool includeRemoved,
        int pageSize, int skip, CancellationToken ct)
    {
        RequestChecks.Require(RequestChecks.Year(year),
            pageSize is < 0 or > MaxPage ? new FieldError("page_size", $"每页 1–{MaxPage} 个") : null,
            indicator is { Length: > 64 } ? new FieldError("indicator", "指标代码过长") : null);
        var (scopeCounty, unit) = ReadScope(caller, county);
        var take = pageSize == 0 ? MaxPage : pageSize;
        var rows = await store.ListAsync(caller.Tenant, year, scopeCounty, unit, string.IsNullOrEmpty(indicator) ? null : indicator, includeRemoved, skip, take + 1, ct);
        return rows.Count > take ? (rows.Take(take).ToArray(), skip + take) : (rows, null);
    }

    /// <summary>
    /// Every attached file of a county-year the caller may read, in one query (one snapshot: a package or a page never
    /// shows a file twice or skips one that moved while it was read). Bounded by the per-unit quota times the roster.
    /// </summary>
    public Task<IReadOnlyList<EvidenceRow>> ListAllAsync(Caller caller, int year, string? county, CancellationToken ct)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        var (scope, unit) = ReadScope(caller, county);
        return store.ListAsync(caller.Tenant, year, scope, unit, null, includeRemoved: false, 0, int.MaxValue, ct);
    }

    /// <summary>The caller's own files of a year (a unit's, or a county's own figures'), up to the per-unit quota.</summary>
    public Task<IReadOnlyList<EvidenceRow>> ListOwnAsync(Caller caller, int year, CancellationToken ct)
    {
        var unit = RequireUploader(caller);
        RequestChecks.Require(RequestChecks.Year(year));
        return store.ListAsync(caller.Tenant, year, caller.County!, unit, null, includeRemoved: false, 0, Math.Max(_limits.MaxFilesPerUnit, MaxPage), ct);
    }

    /// <summary>A file the caller may read (attached, in their scope); any other id is NOT_FOUND, whoever's it is.</summary>
    public async Task<EvidenceRow> ReadableAsync(Caller caller, Guid id, CancellationToken ct)
    {
        if (await store.GetFileAsync(caller.Tenant, id, ct) is { Attached: true } file && MayRead(caller, file))
        {
            return file;
        }

        throw NoSuchFile();
    }

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ContentAsync(Caller caller, EvidenceRow file, CancellationToken ct) =>
        store.ReadBlobAsync(caller.Tenant, file.Sha256, ct);

    /// <summary>Takes the caller's own file off its figure (recorded with the reason); a removed file answers as it is.</summary>
    public async Task<EvidenceRow> RemoveAsync(Caller caller, Guid id, string? reason, CancellationToken ct)
    {
        var unit = RequireUploader(caller);
        if (await store.GetFileAsync(caller.Tenant, id, ct) is not { Attached: true } file || file.County != caller.County || file.Unit != unit)
        {
            throw NoSuchFile();
        }

        if (file.RemovedAt is not null)
        {
            return file;
        }

        await County(caller, file.Year).RemoveEvidence(new EvidenceRemoval(id, unit, file.Indicator, file.FileName, file.Sha256, file.Size,
            CountyDesk.Actor(caller), reason ?? ""));
        return await store.GetFileAsync(caller.Tenant, id, ct) ?? file;
    }

    /// <summary>Reads the stored upload once: its hash, its kind by content (the package for ZIP-based kinds), its name for that kind.</summary>
    private async Task<EvidenceRow> FinishAsync(Caller caller, EvidenceUpload upload, CancellationToken ct)
    {
        if (!await _checks.WaitAsync(TimeSpan.FromSeconds(30), ct))
        {
            throw new UnavailableException("同时检查的文件过多，请稍后用同一 upload_id 重试（已上传的部分不会丢失）。");
        }

        EvidenceKind kind;
        string name;
        try
        {
            (kind, name) = await InspectAsync(upload, ct);
        }
        finally
        {
            _checks.Release();
        }

        var row = await store.CompleteAsync(upload, kind.Id(), name, ct);
        return await AttachAsync(caller, row);
    }

    private async Task<(EvidenceKind Kind, string Name)> InspectAsync(EvidenceUpload upload, CancellationToken ct)
    {
        using var inspector = new EvidenceInspector();
        FileStream? spool = null;
        try
        {
            await foreach (var chunk in store.ReadUploadAsync(upload.Tenant, upload.UploadId, ct))
            {
                inspector.Append(chunk.Span);
                if (inspector.StartsAsZip)
                {
                    // Word, Excel and OFD are told apart by the package's directory at its end: kept on disk, not in memory.
                    spool ??= new FileStream(Path.Combine(Path.GetTempPath(), $"evidence-{Guid.NewGuid():N}.zip"), FileMode.CreateNew, FileAccess.ReadWrite,
                        FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                    await spool.WriteAsync(chunk, ct);
                }
            }

            var verdict = inspector.Finish();
            var kind = verdict.Kind;
            var problem = verdict.Problem;
            if (verdict.Sha256 != upload.Sha256 || verdict.Size != upload.Size)
            {
                await Refuse(new FieldError("sha256", $"收到的文件与声明的不符（SHA-256 {verdict.Sha256[..12]}…，声明 {upload.Sha256[..12]}…）：传输可能出错，请重新上传"));
            }

            if (problem is null && verdict.IsZip && spool is not null)
            {
                await spool.FlushAsync(ct);
                (kind, problem) = EvidencePackage.Classify(spool, _limits.MaxFileBytes);
            }

            if (problem is not null || kind is null)
            {
                await Refuse(new FieldError("content", problem ?? "无法识别文件类型"));
            }

            var (name, nameProblem) = EvidenceNames.ForKind(upload.FileName, kind!.Value);
            if (nameProblem is not null)
            {
                await Refuse(new FieldError("file_name", nameProblem));
            }

            return (kind.Value, name!);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync();
            }
        }

        async Task Refuse(FieldError error)
        {
            // A refused file leaves nothing behind: the same upload id can start over with a corrected file.
            await store.DiscardUploadAsync(upload.Tenant, upload.UploadId, CancellationToken.None);
            throw new ValidationFailedException([error]);
        }
    }

    private async Task<EvidenceRow> AttachAsync(Caller caller, EvidenceRow row)
    {
        await County(caller, row.Year).AttachEvidence(new EvidenceAttachment(row.FileId, row.Unit, row.Indicator, row.FileName, row.Sha256, row.Size,
            row.AddedBy, _limits.MaxFilesPerUnit, _limits.MaxBytesPerUnit));
        return await store.GetFileAsync(caller.Tenant, row.FileId, CancellationToken.None) ?? row;
    }

    /// <summary>The problems of a header, and the name as it will be kept.</summary>
    private (string? Name, List<FieldError> Problems) Check(UploadHeader h)
    {
        var problems = new List<FieldError>();
        if (!Guid.TryParse(h.UploadId, out var id) || id == Guid.Empty)
        {
            problems.Add(new("upload_id", "须为 UUID（同一个文件续传或重试时使用同一个 UUID）"));
        }

        if (RequestChecks.Year(h.Year) is { } year)
        {
            problems.Add(year);
        }

        if (string.IsNullOrEmpty(h.Indicator) || h.Indicator.Length > 64)
        {
            problems.Add(new("indicator", "须为本年度指标目录中的指标代码"));
        }

        var (name, nameProblem) = EvidenceNames.Normalize(h.FileName);
        if (nameProblem is not null)
        {
            problems.Add(new("file_name", nameProblem));
        }

        if (h.Size <= 0)
        {
            problems.Add(new("size", "文件为空"));
        }
        else if (h.Size > _limits.MaxFileBytes)
        {
            problems.Add(new("size", $"文件过大（{Mb(h.Size)}，每个文件至多 {Mb(_limits.MaxFileBytes)}）：请拆分或压缩后上传"));
        }

        if (!Sha256Pattern().IsMatch(h.Sha256 ?? ""))
        {
            problems.Add(new("sha256", "须为整个文件的 SHA-256（64 位十六进制）"));
        }

        return (name, problems);
    }

    /// <summary>
    /// The indicator of the year's catalog the caller may prove: one it reports, or a line the 考核组 scores (not a
    /// computed rate, not retired).
    /// </summary>
    private async Task<Indicator> RequireIndicatorAsync(Caller caller, string unit, int year, string code)
    {
        var catalog = (await catalogs.ForYearAsync(caller.Tenant, year)).Catalog;
        var kind = await catalogs.UnitKindAsync(caller.Tenant, caller.County!, unit, year);
        var source = unit == GrainKeys.CountySelf ? IndicatorSource.County : IndicatorSource.Unit;
        // Its own figures, and the lines the 考核组 scores from materials (they have no figure to report, only proof).
        if (!catalog.TryGet(code, out var indicator) || indicator.Retired || indicator.IsComputedRate
            || !(indicator.AcceptsFrom(source, kind) || indicator.Kind == IndicatorKind.Score))
        {
            throw new ValidationFailedException([new FieldError("indicator", $"指标 '{(code.Length > 64 ? code[..64] : code)}' 不是本单位 {year} 年度填报的指标")]);
        }

        return indicator;
    }

    /// <summary>Units and counties add and remove their own files; the unit id they file under.</summary>
    private static string RequireUploader(Caller caller) =>
        caller.Role is Role.Unit or Role.County && caller.County is not null ? FillInForms.OwnUnit(caller) : throw new PermissionDeniedException();

    /// <summary>The county whose 实地核查 package a caller may take: an assessor's named one, a county's own; units none.</summary>
    public string PackageScope(Caller caller, int year, string? county)
    {
        RequestChecks.Require(RequestChecks.Year(year));
        return caller.Role is Role.Unit ? throw new PermissionDeniedException() : ReadScope(caller, county).County;
    }

    /// <summary>Whose files a caller lists: a unit its own, a county its units', the prefecture any county's.</summary>
    private static (string County, string? Unit) ReadScope(Caller caller, string? county) => caller.Role switch
    {
        Role.Unit or Role.County when !string.IsNullOrEmpty(county) && county != caller.County => throw new PermissionDeniedException(),
        Role.Unit when caller.County is not null => (caller.County, caller.Unit),
        Role.County when caller.County is not null => (caller.County, null),
        Role.Assessor or Role.TenantAdmin => string.IsNullOrEmpty(county) || RequestChecks.County(county) is not null
            ? throw new ValidationFailedException([new FieldError("county", "须指明县（区）代码")])
            : (county, null),
        _ => throw new PermissionDeniedException(),
    };

    private static bool MayRead(Caller caller, EvidenceRow file) => caller.Role switch
    {
        Role.Unit => file.County == caller.County && file.Unit == caller.Unit,
        Role.County => file.County == caller.County,
        Role.Assessor or Role.TenantAdmin => true,
        _ => false,
    };

    private ICountyGrain County(Caller caller, int year) => cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, caller.County!, year));

    private static NotFoundException NoSuchFile() => new("没有该佐证材料，或您无权查看。");

    private static ConflictException UsedForAnother() =>
        new("该 upload_id 已用于另一个文件（年度、指标、文件名、大小或 SHA-256 不同）；新文件请使用新的 upload_id。");

    private static string Mb(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MB");

    public const int MaxPage = 1000;

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
