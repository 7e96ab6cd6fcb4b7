using Assessment.Domain.Keys;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Services;

/// <summary>The request-field checks every service shares, with one wording for each.</summary>
internal static class RequestChecks
{
    /// <summary>The gRPC receive limit: the largest legitimate request with room for its framing.</summary>
    public const int MaxMessageBytes = 256 * 1024;

    /// <summary>Largest scheme file accepted (UTF-8 bytes).</summary>
    public const int MaxSchemeBytes = 200 * 1024;

    public static FieldError? Year(int year) =>
        GrainKeys.IsValidYear(year) ? null : new FieldError("year", $"年度须在 {GrainKeys.MinYear}–{GrainKeys.MaxYear} 之间");

    public static FieldError? County(string county) =>
        Slug.IsValid(county) ? null : new FieldError("county", "须为县（区）标识，如 suo");

    public static FieldError? SlugField(string field, string value) =>
        Slug.IsValid(value) ? null : new FieldError(field, "须为标识：小写字母或数字开头，由小写字母、数字和连字符组成，至多 40 个字符");

    /// <summary>A new tenant's id: a slug that is not read as a number (<see cref="Slug.ReadsAsNumber"/>).</summary>
    public static FieldError? NewTenantId(string field, string value) =>
        SlugField(field, value) ?? (Slug.ReadsAsNumber(value)
            ? new FieldError(field, "不能只由数字和 a–f 组成（会被当作数字，与其他标识混淆）：请加一个其他字母或连字符，如 xz-540600")
            : null);

    /// <summary>A display name: NFC-normalised on the way in; refused with the reason.</summary>
    public static FieldError? Name(string field, string value, out string normalized)
    {
        var (name, problem) = DisplayName.Check(value);
        normalized = name ?? "";
        return problem is null ? null : new FieldError(field, problem);
    }

    /// <summary>
    /// A timestamp within what protobuf defines (0001-01-01 to 9999-12-31, nanos in [0, 1e9)); anything else would
    /// throw in the conversion. Null (absent) is acceptable here; callers that need one say so.
    /// </summary>
    public static FieldError? Time(string field, Google.Protobuf.WellKnownTypes.Timestamp? at, out DateTimeOffset? value)
    {
        value = null;
        if (at is null)
        {
            return null;
        }

        const long MinSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
        const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
        if (at.Seconds is < MinSeconds or > MaxSeconds || at.Nanos is < 0 or >= 1_000_000_000)
        {
            return new FieldError(field, "时间无效：须在 0001-01-01 至 9999-12-31 之间，纳秒在 0–999999999 之间");
        }

        value = at.ToDateTimeOffset();
        return null;
    }

    /// <summary>Throws INVALID_ARGUMENT listing every failed check.</summary>
    public static void Require(params FieldError?[] checks)
    {
        var failed = checks.OfType<FieldError>().ToArray();
        if (failed.Length > 0)
        {
            throw new ValidationFailedException(failed);
        }
    }
}
