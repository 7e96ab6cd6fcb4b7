using Assessment.Server.Security;
using Grpc.Core;

namespace Assessment.Server.Services;

/// <summary>
/// The outermost guard: whatever escapes the pipeline (authentication runs before any gRPC interceptor, and its
/// credential lookup can meet a silo that is being declared dead) reaches an API client as a status in its protocol
/// (gRPC, or google.rpc.Status JSON on the JSON routes), never as HTTP 500 ("Bad gRPC response"): cluster faults as UNAVAILABLE with RetryInfo, anything else as INTERNAL without
/// internals. A web request gets a short Chinese page with 503 or 500.
/// </summary>
public sealed class ClusterFaultMiddleware(RequestDelegate next, ILogger<ClusterFaultMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var transient = ClusterFaults.IsTransient(ex);
            if (transient)
            {
                logger.LogWarning(ex, "{Path}: cluster unavailable", context.Request.Path);
            }
            else
            {
                logger.LogError(ex, "{Path} failed outside the service handlers", context.Request.Path);
            }

            context.Response.Clear();
            if (ApiRequests.IsApi(context))
            {
                var status = transient
                    ? ClusterFaults.Status()
                    : new Google.Rpc.Status { Code = (int)StatusCode.Internal, Message = "内部错误，已记录。" };
                await ApiRequests.RefuseAsync(context, status, CancellationToken.None);
                return;
            }

            context.Response.StatusCode = transient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(
                "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>服务暂不可用</title></head><body><h1>"
                + (transient ? "服务暂不可用，请稍后刷新重试。" : "服务器内部错误，已记录，请稍后重试。") + "</h1></body></html>");
        }
    }
}
