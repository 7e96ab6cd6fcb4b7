using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Assessment.Server.Web;

/// <summary>
/// A request no handler of the page takes (a POST to a page that only shows, a <c>?handler=</c> it does not have) ends on
/// the Chinese 405 or 404 page. Razor Pages would otherwise render the page without running any handler, with nothing
/// loaded, and answer 500.
/// </summary>
public sealed class UnmatchedHandlerFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (context.HandlerMethod is not null)
        {
            return next();
        }

        var named = context.RouteData.Values.TryGetValue("handler", out var routed) && routed is string { Length: > 0 }
            || !string.IsNullOrEmpty(context.HttpContext.Request.Query["handler"]);
        context.Result = new StatusCodeResult(named ? StatusCodes.Status404NotFound : StatusCodes.Status405MethodNotAllowed);
        return Task.CompletedTask;
    }
}
