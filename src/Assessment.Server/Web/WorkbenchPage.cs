using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web;

/// <summary>What the layout shows around every page: who is signed in, for which tenant, and the years to switch to.</summary>
public sealed record Shell(string TenantName, string Person, Role Role, int? Year, IReadOnlyList<int> Years, string? County);

/// <summary>
/// A signed-in page of the workbench. Refusals from the application services become the friendly error pages with the
/// same status for the same reason: a county not on the roster and another tenant's county are one 404, a county
/// that is not the caller's is one 403, whatever exists.
/// </summary>
[Authorize(Policy = WebSessions.Scheme)]
public abstract class WorkbenchPage : PageModel
{
    /// <summary>The key under which a refusal's message travels to the error page.</summary>
    public const string MessageItem = "workbench:message";

    public Caller Caller => Caller.From(User);

    public Shell Shell { get; private set; } = null!;

    /// <summary>A message shown at the top of the page after an action (success or refusal).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>Why the last action was not done, shown at the top of the page.</summary>
    [TempData]
    public string? Problem { get; set; }

    /// <summary>The year the page is about; null on pages that are not about one year.</summary>
    protected virtual int? PageYear => null;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var years = context.HttpContext.RequestServices.GetRequiredService<RoundYears>();
        var caller = Caller;
        var (name, known) = await years.ShellAsync(caller.Tenant);
        Shell = new Shell(name, caller.Name, caller.Role, PageYear, known, caller.County);
        ViewData["Shell"] = Shell;
        var executed = await next();
        if (executed.Exception is AssessmentException refusal && !executed.ExceptionHandled)
        {
            executed.ExceptionHandled = true;
            executed.Result = Refuse(context.HttpContext, refusal);
        }
    }

    /// <summary>The status page for a refusal that ends the request (not found, denied, no round).</summary>
    private static IActionResult Refuse(HttpContext http, AssessmentException refusal) => new StatusCodeResult(RefusalStatus(http, refusal));

    /// <summary>
    /// The status of a refusal, its message left for the error page (a denial carries none: it must not tell what
    /// exists). The bulletin documents, outside Razor Pages, end the same way.
    /// </summary>
    public static int RefusalStatus(HttpContext http, AssessmentException refusal)
    {
        http.Items[MessageItem] = refusal is PermissionDeniedException ? null : refusal.Message;
        return refusal switch
        {
            PermissionDeniedException => StatusCodes.Status403Forbidden,
            NotFoundException => StatusCodes.Status404NotFound,
            PreconditionException p when p.Reason == Domain.Workflow.LockReasons.RoundNotOpen => StatusCodes.Status404NotFound,
            PreconditionException => StatusCodes.Status409Conflict,
            ValidationFailedException => StatusCodes.Status400BadRequest,
            UnavailableException or ResourceExhaustedException => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status409Conflict,
        };
    }

    /// <summary>
    /// Runs a workbench action once per request id, kept in the request ledger like the API's writes: a second click
    /// (or a resend after a lost answer) gets the first answer back. Refusals come back as the platform's errors.
    /// </summary>
    protected async Task<T> OnceAsync<T>(string action, Guid requestId, Google.Protobuf.IMessage request, Services.InDoubt<T> inDoubt, Func<Task<T>> run)
        where T : class, Google.Protobuf.IMessage<T>, new()
    {
        var ledger = HttpContext.RequestServices.GetRequiredService<Services.RequestLedger>();
        try
        {
            return await ledger.RunAsync(User, "web:" + action, requestId == Guid.Empty ? "" : requestId.ToString("D"), request, inDoubt, run, HttpContext.RequestAborted);
        }
        catch (Grpc.Core.RpcException rpc)
        {
            throw FromRpc(rpc);
        }
    }

    /// <summary>A refusal kept by the ledger, as the platform's error again.</summary>
    private static AssessmentException FromRpc(Grpc.Core.RpcException rpc)
    {
        var status = rpc.GetRpcStatus();
        return rpc.StatusCode switch
        {
            Grpc.Core.StatusCode.InvalidArgument => new ValidationFailedException(
                (status?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => new FieldError(v.Field, v.Description)) ?? [new FieldError("", rpc.Status.Detail)]).ToArray()),
            Grpc.Core.StatusCode.FailedPrecondition => new PreconditionException(
                status?.GetDetail<Google.Rpc.PreconditionFailure>()?.Violations.FirstOrDefault()?.Type ?? "", rpc.Status.Detail),
            Grpc.Core.StatusCode.PermissionDenied => new PermissionDeniedException(),
            Grpc.Core.StatusCode.NotFound => new NotFoundException(rpc.Status.Detail),
            Grpc.Core.StatusCode.Aborted or Grpc.Core.StatusCode.AlreadyExists => new ConflictException(rpc.Status.Detail),
            _ => new UnavailableException(rpc.Status.Detail.Length > 0 ? rpc.Status.Detail : "系统暂时不可用，请稍后重试。"),
        };
    }

    /// <summary>A refusal of an action, said in the words of the API's field errors.</summary>
    /// <summary>
    /// Runs a form's action: null when it was done, else why not, as the page shows it ("未能办理：…"). A permission
    /// refusal is not caught: it ends on the 403 page like any other.
    /// </summary>
    protected static async Task<string?> TryActAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (AssessmentException ex) when (ex is not PermissionDeniedException)
        {
            return "未能办理：" + Describe(ex);
        }
    }

    protected static string Describe(AssessmentException refusal) => refusal is ValidationFailedException invalid
        ? string.Join("；", invalid.Violations.Select(v => v.Description))
        : refusal.Message;
}
