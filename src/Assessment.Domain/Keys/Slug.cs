using System.Text.RegularExpressions;

namespace Assessment.Domain.Keys;

/// <summary>
/// Identifiers of tenants, counties and units: <c>[a-z0-9][a-z0-9-]{0,39}</c>. Because a slug can never contain '/',
/// a grain key built from slugs can never be forged to name another tenant's grain.
/// </summary>
public static partial class Slug
{
    // \A…\z, not ^…$: in .NET "$" also matches before a final "\n", which would let "suo\n" through.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,39}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>True when the text is a valid slug.</summary>
    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    /// <summary>
    /// True for a slug Orleans would read as a number when it is a whole grain key — hexadecimal digits only, at most
    /// 16 of them after leading zeros, or exactly 32 (a GUID) — and store by that number: "abc" and "0abc" would then share one stored state. A tenant's
    /// own grains are keyed by the bare tenant id, so a new tenant may not have such an id (e.g. "540600"; "xz-540600"
    /// is fine).
    /// </summary>
    public static bool ReadsAsNumber(string text) =>
        text.Length > 0 && text.All(char.IsAsciiHexDigitLower) && (text.TrimStart('0').Length <= 16 || text.Length == 32);

    /// <summary>Returns the slug or throws <see cref="ArgumentException"/> naming the parameter.</summary>
    public static string Require(string? text, string name) =>
        IsValid(text) ? text! : throw new ArgumentException($"'{text}' is not a valid identifier ([a-z0-9][a-z0-9-]{{0,39}}).", name);
}
