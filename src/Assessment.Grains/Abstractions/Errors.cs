namespace Assessment.Grains.Abstractions;

/// <summary>One invalid field of a request.</summary>
[GenerateSerializer, Immutable, Alias("assessment.FieldError")]
public sealed record FieldError([property: Id(0)] string Field, [property: Id(1)] string Description);

/// <summary>Base of the errors grains raise on purpose; each maps to one gRPC status.</summary>
[GenerateSerializer, Alias("assessment.AssessmentException")]
public abstract class AssessmentException : Exception
{
    protected AssessmentException(string message) : base(message)
    {
    }
}

/// <summary>The request is invalid; nothing was stored. → INVALID_ARGUMENT with field violations.</summary>
[GenerateSerializer, Alias("assessment.ValidationFailedException")]
public sealed class ValidationFailedException(FieldError[] violations)
    : AssessmentException($"{violations.Length} 个字段无效，本次请求未保存任何数据。")
{
    [Id(0)]
    public FieldError[] Violations { get; } = violations;
}

/// <summary>The same id was used for a different request. → ALREADY_EXISTS.</summary>
[GenerateSerializer, Alias("assessment.ConflictException")]
public sealed class ConflictException(string message) : AssessmentException(message);

/// <summary>The target does not exist (or is outside the caller's scope). → NOT_FOUND.</summary>
[GenerateSerializer, Alias("assessment.NotFoundException")]
public sealed class NotFoundException(string message) : AssessmentException(message);

/// <summary>The operation is not allowed in the current state; <see cref="Reason"/> names why. → FAILED_PRECONDITION.</summary>
[GenerateSerializer, Alias("assessment.PreconditionException")]
public sealed class PreconditionException(string reason, string message) : AssessmentException(message)
{
    [Id(0)]
    public string Reason { get; } = reason;
}

/// <summary>
/// Storage or a dependent grain is unavailable; nothing was acknowledged, retrying with the same id is safe.
/// Storage driver exceptions never cross the Orleans wire: grains translate them into this. → UNAVAILABLE.
/// </summary>
[GenerateSerializer, Alias("assessment.UnavailableException")]
public sealed class UnavailableException(string message) : AssessmentException(message);

/// <summary>A limit on concurrent or costly work was reached; retry later. → RESOURCE_EXHAUSTED.</summary>
[GenerateSerializer, Alias("assessment.ResourceExhaustedException")]
public sealed class ResourceExhaustedException(string message) : AssessmentException(message);

/// <summary>The write was based on a version of the target that is no longer current. → ABORTED.</summary>
[GenerateSerializer, Alias("assessment.AbortedException")]
public sealed class AbortedException(int expected, int actual)
    : AssessmentException($"数据已被他人修改（您依据的版本为 {expected}，当前版本为 {actual}），请刷新后重试。")
{
    [Id(0)]
    public int Expected { get; } = expected;

    [Id(1)]
    public int Actual { get; } = actual;
}

/// <summary>The caller may not touch this target; the same answer whether it exists or not. → PERMISSION_DENIED.</summary>
[GenerateSerializer, Alias("assessment.PermissionDeniedException")]
public sealed class PermissionDeniedException() : AssessmentException(Denied)
{
    /// <summary>The one message every denial carries, so that a denial reveals nothing about the target.</summary>
    public const string Denied = "无权访问该对象。";
}
