using System.Globalization;
using Google.Protobuf;
using Grpc.Core;

namespace Assessment.Server.Security;

/// <summary>
/// What kind of request this is, decided once for every middleware: a gRPC call (<c>application/grpc…</c>), a call of
/// the same services as JSON over plain HTTP (gRPC JSON transcoding, every route under <c>/v1/</c>), or a web page.
/// A refusal made before a service handler runs (authentication, rate limits, a malformed body, a cluster fault) is
/// written here in the caller's own protocol: gRPC trailers, or a <c>google.rpc.Status</c> JSON body with the HTTP
/// status JSON transcoding itself uses for that code.
/// </summary>
public static class ApiRequests
{
    /// <summary>The path prefix of every JSON route (the <c>google.api.http</c> options in protos/).</summary>
    public const string JsonPrefix = "/v1";

    /// <summary>The google.rpc error details a status may carry, for writing them as JSON.</summary>
    public static readonly Google.Protobuf.Reflection.TypeRegistry ErrorDetails = Google.Protobuf.Reflection.TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor);

    private static readonly JsonFormatter StatusFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithTypeRegistry(ErrorDetails));

    public static bool IsGrpc(HttpContext http) =>
        http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;

    public static bool IsJson(HttpContext http) =>
        !IsGrpc(http) && http.Request.Path.StartsWithSegments(JsonPrefix, StringComparison.OrdinalIgnoreCase); // routing ignores case too

    /// <summary>gRPC or JSON: a machine caller, which is never shown a web page or a web session.</summary>
    public static bool IsApi(HttpContext http) => IsGrpc(http) || IsJson(http);

    /// <summary>Answers the request with <paramref name="status"/> in its protocol. The response must not have started.</summary>
    public static async Task RefuseAsync(HttpContext http, Google.Rpc.Status status, CancellationToken cancellationToken = default)
    {
        var response = http.Response;
        if (IsGrpc(http))
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            // Trailers-only: the status travels in the headers, which every client reads as the call's status.
            response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
            if (status.Details.Count > 0)
            {
                response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
            }

            await response.Body.FlushAsync(cancellationToken);
            return;
        }

        response.StatusCode = HttpStatusOf((StatusCode)status.Code);
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(StatusFormatter.Format(status), cancellationToken);
    }

    public static Task RefuseAsync(HttpContext http, StatusCode code, string message, CancellationToken cancellationToken = default) =>
        RefuseAsync(http, new Google.Rpc.Status { Code = (int)code, Message = message }, cancellationToken);

    /// <summary>The HTTP status of a gRPC code, as google.rpc's code.proto maps them (and JSON transcoding answers).</summary>
    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
