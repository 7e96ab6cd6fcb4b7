using System.Security.Cryptography;
using System.Text;
using Assessment.Contracts.V1;
using Assessment.Grains.Abstractions;
using Assessment.Server.Evidence;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// A unit's (or a county's own) 佐证材料 for its year: each indicator of its form with the files attached to it, an
/// upload per indicator (several files at once, progress shown by the one small script), and removal with a reason.
/// Uploads go through <see cref="EvidenceDesk"/> exactly like the gRPC ones: the same checks, quota and freeze.
/// </summary>
[RequestSizeLimit(MaxPostBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxPostBytes, ValueCountLimit = 64)]
public sealed class EvidenceModel(FillInForms forms, EvidenceDesk desk, CountyDesk counties, Grains.RoundCatalogs catalogs) : WorkbenchPage
{
    /// <summary>
    /// One post: up to <see cref="MaxFilesPerPost"/> files (each at most 50 MB) of at most 200 MB together, and the form
    /// around them; the server keeps a post on disk while it lasts (k8s: the scratch volume's budget).
    /// </summary>
    public const long MaxPostBytes = 200L * 1024 * 1024 + 64 * 1024;

    public const int MaxFilesPerPost = 10;

    [FromRoute]
    public int Year { get; set; }

    public Form Form { get; private set; } = null!;

    /// <summary>The lines files attach to: the form's indicators by 一级指标, then the lines the 考核组 scores from materials.</summary>
    public IReadOnlyList<(string Group, string Code, string Name)> Lines { get; private set; } = [];

    /// <summary>The caller's attached files, by indicator.</summary>
    public ILookup<string, EvidenceRow> Files { get; private set; } = Array.Empty<EvidenceRow>().ToLookup(f => f.Indicator);

    public CountyWorkflowView? Workflow { get; private set; }

    /// <summary>Names this rendering's uploads: the same form sent twice stores each file once.</summary>
    public Guid UploadKey { get; } = Guid.NewGuid();

    public bool MayChange => Workflow is { May.MaySubmit: true };

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(string? indicator, Guid key, List<IFormFile> files)
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        if (files.Count == 0 || files.Count > MaxFilesPerPost || string.IsNullOrEmpty(indicator) || key == Guid.Empty)
        {
            Problem = $"请选择要上传的文件（一次至多 {MaxFilesPerPost} 个）。";
            return Done();
        }

        var stored = new List<string>();
        var refused = new List<string>();
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"{key}\n{indicator}\n{i}\n{file.FileName}\n{file.Length}"))[..16]);
            try
            {
                var row = await desk.AddFileAsync(Caller, Year, indicator, file.FileName, file.Length, file.OpenReadStream, id, HttpContext.RequestAborted);
                stored.Add(row.FileName);
            }
            catch (ValidationFailedException ex)
            {
                refused.Add($"{Path.GetFileName(file.FileName)}：{string.Join("；", ex.Violations.Select(v => v.Description))}");
            }
            catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
            {
                refused.Add($"{Path.GetFileName(file.FileName)}：{Describe(ex)}");
            }
        }

        Notice = stored.Count > 0 ? $"已上传 {stored.Count} 个文件：{string.Join("、", stored)}。" : null;
        Problem = refused.Count > 0 ? $"未上传 {refused.Count} 个文件——{string.Join("；", refused)}" : null;
        return Done();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, string? reason)
    {
        if (Caller.Role is not (Role.Unit or Role.County))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        try
        {
            var removed = await desk.RemoveAsync(Caller, id, reason, HttpContext.RequestAborted);
            Notice = $"已撤下“{removed.FileName}”（原因：{removed.RemovalReason}）。";
        }
        catch (ValidationFailedException ex)
        {
            Problem = "未撤下：" + string.Join("；", ex.Violations.Select(v => v.Description));
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Problem = "未撤下：" + Describe(ex);
        }

        return Done();
    }

    /// <summary>Back to the page; a posting script is told where to go rather than redirected (its notice is kept for that page).</summary>
    private IActionResult Done()
    {
        var next = $"/{Year}/evidence";
        if (Request.Headers["X-Upload"] == "1")
        {
            Response.Headers["X-Upload-Next"] = next;
            return new ContentResult { StatusCode = StatusCodes.Status200OK, Content = "" };
        }

        return Redirect(next);
    }

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} 字节",
        < 1024 * 1024 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MB"),
    };

    private async Task LoadAsync()
    {
        Form = await forms.BuildAsync(Caller.Tenant, Caller.County!, FillInForms.OwnUnit(Caller), Year);
        var catalog = (await catalogs.ForYearAsync(Caller.Tenant, Year)).Catalog;
        var asked = Form.Rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        Lines =
        [
            .. Form.Rows.Select(r => (r.Dimension, r.Code, r.Name)),
            .. catalog.Active.Where(i => i.Kind == Domain.Catalog.IndicatorKind.Score && !asked.Contains(i.Code))
                .Select(i => ("考核组评分项（材料供考核组查阅评分）", i.Code, i.Name)),
        ];
        Files = (await desk.ListOwnAsync(Caller, Year, HttpContext.RequestAborted)).ToLookup(f => f.Indicator, StringComparer.Ordinal);
        try
        {
            Workflow = await counties.OwnWorkflowAsync(Caller, Year);
        }
        catch (PreconditionException)
        {
            Workflow = null;
        }
    }
}
