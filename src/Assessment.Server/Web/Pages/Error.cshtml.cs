using Assessment.Server.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The Chinese error pages (re-executed for every web status ≥ 400 without a body, and for unhandled exceptions):
/// a title, what happened and the way back; never an empty page, never a stack trace.
/// </summary>
// Ordered after the workbench's global AutoValidateAntiforgeryToken (order 1000), so this policy is the effective one:
// a re-executed POST whose token failed must show this page, not fail the same check again with an empty 400.
[IgnoreAntiforgeryToken(Order = 2000)]
public sealed class ErrorModel(RoundYears years) : PageModel
{
    public int Code { get; private set; }

    public string Title { get; private set; } = "";

    public string Text { get; private set; } = "";

    public bool SignedIn { get; private set; }

    public bool NoRound { get; private set; }

    /// <summary>For an assessor on a year without a round: the year to define (from the page asked for).</summary>
    public int? DefineYear { get; private set; }

    public Task<IActionResult> OnGetAsync() => ShowAsync();

    public Task<IActionResult> OnPostAsync() => ShowAsync();

    // A refused PUT, PATCH or DELETE is re-executed with its own method: the page answers those too.
    public Task<IActionResult> OnPutAsync() => ShowAsync();

    public Task<IActionResult> OnPatchAsync() => ShowAsync();

    public Task<IActionResult> OnDeleteAsync() => ShowAsync();

    private async Task<IActionResult> ShowAsync()
    {
        // The code is read from the route, not bound: MVC binds nothing at all when a re-executed POST's form cannot be
        // read (a field with a NUL), and the page would show 404 for the 400 it is about.
        var code = int.TryParse(RouteData.Values["code"]?.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var routeCode) ? routeCode : 404;
        // Only a re-executed status or exception shows its own code; /error/N asked for directly is a 404 page.
        var reexecuted = HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null
            || HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerPathFeature>() is not null;
        Code = reexecuted && code is >= 400 and <= 599 ? code : 404;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerPathFeature>()?.Error is BadHttpRequestException bad)
        {
            // The request itself was refused by the server (a body over its page's limit, a malformed form): its status.
            Code = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        }

        var message = HttpContext.Items[WorkbenchPage.MessageItem] as string;
        (Title, Text) = Code switch
        {
            400 => ("请求无效", "页面已过期或提交的内容无效，请返回上一页刷新后重试。"),
            401 => ("请先登录", "请使用您的密钥登录后再访问。"),
            403 => ("无权访问", "您的账号无权访问该页面或对象。如需访问，请与考核办联系。"),
            404 => ("页面不存在", "没有找到您要访问的页面或对象。"),
            405 => ("不支持该操作", "该页面不接受这种提交方式。请返回上一页，用页面上的按钮重新操作。"),
            413 => ("内容过大", "提交的文件或内容超过了该页面的大小上限，请压缩或拆分后重试。"),
            409 => ("暂时无法办理", "该对象当前的状态不允许这一操作。"),
            429 => ("操作过于频繁", "请稍后再试。"),
            503 => ("服务暂时不可用", "系统正忙或正在恢复，请稍后重试。"),
            >= 500 => ("系统出错", "处理您的请求时出错，已记录。请稍后重试；如多次出现，请与平台运维联系。"),
            _ => ("无法完成请求", "请返回上一页重试。"),
        };
        if (message is not null)
        {
            Text = message;
            NoRound = message.Contains("尚未开启", StringComparison.Ordinal);
            Title = NoRound ? "该年度尚未开启考核" : Title;
        }

        SignedIn = User.Identity?.IsAuthenticated == true;
        if (SignedIn && User.IsInRole(nameof(Grains.Abstractions.Role.Operator)) is false)
        {
            try
            {
                var caller = Caller.From(User);
                var (name, known) = await years.ShellAsync(caller.Tenant);
                ViewData["Shell"] = new Shell(name, caller.Name, caller.Role, null, known, caller.County);
            }
            catch (Exception)
            {
                // The error page renders without the header when the cluster is what failed (or fails now).
            }
        }

        var asked = HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>()?.OriginalPath ?? "";
        if (NoRound && SignedIn && User.IsInRole(nameof(Grains.Abstractions.Role.Assessor))
            && asked.Length >= 5 && int.TryParse(asked.AsSpan(1, 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var year)
            && Grains.Abstractions.GrainKeys.IsValidYear(year))
        {
            DefineYear = year;
        }

        Response.StatusCode = Code;
        return Page();
    }
}
