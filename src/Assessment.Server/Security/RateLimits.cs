using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Assessment.Server.Security;

/// <summary>Request rates allowed per credential and per tenant (configuration section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained calls per second one credential may make (bursts up to one second's worth).</summary>
    public int PerCredentialPerSecond { get; set; } = 200;

    /// <summary>Sustained calls per second all credentials of one tenant may make together.</summary>
    public int PerTenantPerSecond { get; set; } = 5000;
}

/// <summary>
/// Token buckets per credential and per tenant, after authentication; a call over either answers RESOURCE_EXHAUSTED
/// at once, and another tenant's calls are counted in their own buckets. Calls without a credential are not counted
/// here (they fail authentication anyway).
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddPlatformRateLimits(this IServiceCollection services, RateLimitOptions limits) =>
        services.AddRateLimiter(o =>
        {
            // An error page re-executed for a refusal is not counted again: the refusal itself must be shown.
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => !IsErrorPage(context) && context.User.FindFirst(Caller.CredentialClaim)?.Value is { } id
                    ? RateLimitPartition.GetTokenBucketLimiter("credential:" + id, _ => Bucket(limits.PerCredentialPerSecond))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context => !IsErrorPage(context) && context.User.FindFirst(Caller.TenantClaim)?.Value is { } tenant
                    ? RateLimitPartition.GetTokenBucketLimiter("tenant:" + tenant, _ => Bucket(limits.PerTenantPerSecond))
                    : RateLimitPartition.GetNoLimiter("")));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = "1";
                if (!ApiRequests.IsApi(http))
                {
                    // A web page: 429 with no body, which the workbench turns into its Chinese page.
                    http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    return;
                }

                await ApiRequests.RefuseAsync(http, Grpc.Core.StatusCode.ResourceExhausted, "请求过于频繁，请稍后重试。", ct);
            };
        });

    private static bool IsErrorPage(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null
        || context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerPathFeature>() is not null;

    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = Math.Max(1, perSecond),
        TokensPerPeriod = Math.Max(1, perSecond / 10),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
