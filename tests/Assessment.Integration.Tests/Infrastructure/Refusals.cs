using Google.Rpc;
using Grpc.Core;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>A call that must be refused with one status and, where given, a violation of one field.</summary>
public static class Refusals
{
    public static async Task<RpcException> ExpectAsync(StatusCode code, string? field, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == ex.StatusCode, $"expected {code}, got {ex.StatusCode}: {ex.Status.Detail}");
        if (field is not null)
        {
            var fields = ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];
            Assert.True(fields.Contains(field), $"expected a violation of {field}, got [{string.Join(", ", fields)}] {ex.Status.Detail}");
        }

        return ex;
    }
}
